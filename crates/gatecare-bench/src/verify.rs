//! Offline verification where a merchant does it: the airline's Rust
//! verifier compiled to WebAssembly (`gatecare-verify-web`, built by `cargo
//! xtask wasm`), running in a headless Chromium page, against the same
//! verifier native (what `gatecare voucher verify` runs), in this run.
//!
//! Fairness: both sides call the same function with the same text in (the
//! QR, the trust and void lists as JSON, the pinned root, the time), so
//! both parse the lists on every call, as the page does. 200 different
//! vouchers, 50 untimed warm-up calls, then 2,000 timed calls a side. The
//! page times itself with `performance.now()` around the loop (the DevTools
//! round trip is not counted); every answer must be `valid`.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;
use gatecare_voucher::VoucherPayload;
use gatecare_voucher::signed::{PAYLOAD_VERSION, sign};
use gatecare_voucher::trust::{TrustList, VOID_FORMAT, VoidList, hex_key};

use crate::vouchers::Browser;
use crate::{Row, us};

const VOUCHERS: usize = 200;
const CALLS: usize = 2_000;
const WARM_UP: usize = 50;

struct Fixture {
    qrs: Vec<String>,
    trust: String,
    voids: String,
    root: String,
    now: DateTime<Utc>,
}

fn fixture() -> anyhow::Result<Fixture> {
    let root = SigningKey::from_bytes(&[1; 32]);
    let kiosk = SigningKey::from_bytes(&[3; 32]);
    let at = |t: &str| DateTime::parse_from_rfc3339(t).map(|t| t.to_utc());
    let mut trust = TrustList::new("GATECARE-ROOT", &root, at("2026-11-22T00:00:00Z")?);
    trust.certify(
        &root,
        "HKG-K01#1",
        &kiosk.verifying_key(),
        "HKG",
        at("2026-11-01T00:00:00Z")?,
        at("2027-11-01T00:00:00Z")?,
    );
    let from = at("2026-11-22T12:00:00Z")?.timestamp();
    let qrs = (0..VOUCHERS)
        .map(|i| {
            let p = VoucherPayload {
                version: PAYLOAD_VERSION,
                voucher_id: uuid::Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0000 + i as u128),
                entitlement_key: None,
                kind: "meal".into(),
                value_minor: 12_000,
                currency: "HKD".into(),
                surname: "ZHANG".into(),
                initial: "W".into(),
                flight: "CZ342".into(),
                flight_date: "2026-11-22".into(),
                valid_from: from,
                valid_until: from + 24 * 3600,
                serial: format!("HKG-K01-{i:06}"),
            };
            sign(&p, "HKG-K01#1", &kiosk)
        })
        .collect();
    let voids = VoidList { format: VOID_FORMAT.into(), issued_at: None, voided: Vec::new() };
    Ok(Fixture {
        qrs,
        trust: trust.to_json(),
        voids: serde_json::to_string(&voids)?,
        root: hex_key(&root.verifying_key()),
        now: at("2026-11-22T16:00:00Z")?,
    })
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn bench() -> anyhow::Result<Vec<Row>> {
    let f = fixture()?;
    let now_ms = f.now.timestamp_millis() as f64;

    for qr in f.qrs.iter().take(WARM_UP) {
        gatecare_verify_web::check(qr, &f.trust, &f.voids, &f.root, now_ms);
    }
    let t = Instant::now();
    let mut refused = 0;
    for i in 0..CALLS {
        let c = gatecare_verify_web::check(&f.qrs[i % VOUCHERS], &f.trust, &f.voids, &f.root, now_ms);
        refused += usize::from(!c.verification.valid);
    }
    let native = t.elapsed() / CALLS as u32;
    anyhow::ensure!(refused == 0, "the native verifier refused {refused} good vouchers");

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/verifier");
    let glue = std::fs::read(dir.join("gatecare_verify_web.js"))
        .map_err(|e| anyhow::anyhow!("the WebAssembly verifier is not built (`cargo xtask wasm`): {e}"))?;
    let wasm = std::fs::read(dir.join("gatecare_verify_web_bg.wasm"))?;
    let profile = tempfile::tempdir()?;
    let mut browser = Browser::start(profile.path())?;
    let script = format!(
        "(async () => {{
           const glue = await import('data:text/javascript;base64,{glue}');
           glue.initSync({{ module: Uint8Array.from(atob('{wasm}'), (c) => c.charCodeAt(0)) }});
           const qrs = {qrs}, trust = {trust}, voids = {voids}, root = {root}, now = {now_ms};
           for (let i = 0; i < {WARM_UP}; i++) glue.verify(qrs[i % qrs.length], trust, voids, root, now);
           let refused = 0;
           const t0 = performance.now();
           for (let i = 0; i < {CALLS}; i++) {{
             if (!JSON.parse(glue.verify(qrs[i % qrs.length], trust, voids, root, now)).valid) refused++;
           }}
           return JSON.stringify({{ ms: performance.now() - t0, refused }});
         }})()",
        glue = base64(&glue),
        wasm = base64(&wasm),
        qrs = serde_json::to_string(&f.qrs)?,
        trust = serde_json::to_string(&f.trust)?,
        voids = serde_json::to_string(&f.voids)?,
        root = serde_json::to_string(&f.root)?,
    );
    let r = browser.call(
        "Runtime.evaluate",
        serde_json::json!({"expression": script, "awaitPromise": true, "returnByValue": true}),
    )?;
    let text = r["result"]["value"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("the page did not verify: {}", r["exceptionDetails"]))?;
    let out: serde_json::Value = serde_json::from_str(text)?;
    anyhow::ensure!(out["refused"] == 0, "the WebAssembly verifier refused good vouchers: {out}");
    let page = Duration::from_secs_f64(out["ms"].as_f64().unwrap_or_default() / 1e3 / CALLS as f64);
    println!(
        "verification: WebAssembly in Chromium {} a voucher, native {} ({} bytes of WebAssembly)",
        us(page),
        us(native),
        wasm.len()
    );
    Ok(vec![Row {
        what: "voucher verification offline, each: WebAssembly in Chromium",
        value: us(page),
        baseline: "the same Rust verifier, native",
        baseline_value: us(native),
        ratio: native.as_secs_f64() / page.as_secs_f64(),
        goal: None,
    }])
}
