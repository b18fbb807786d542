//! `gatecare voucher demo | verify | render`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::SigningKey;
use gatecare_voucher::pdf::{Fonts, Layout, VoucherSheet, render};
use gatecare_voucher::signed::sign;
use gatecare_voucher::trust::{TrustList, VoidList};
use gatecare_voucher::{VoucherPayload, verify};

use crate::{BadInput, print_json, read_input};

/// The CJK font, as the app loads it.
pub fn load_fonts() -> anyhow::Result<Fonts> {
    Ok(gatecare_print::load_fonts()?)
}

fn random_key() -> anyhow::Result<SigningKey> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// A trust list with a fresh demo root and device, and one signed 80 mm meal
/// voucher for a Chinese passenger of CZ342.
pub fn demo(out: &Path, now: DateTime<Utc>) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let root = random_key()?;
    let device = random_key()?;
    let mut trust = TrustList::new("GATECARE-DEMO-ROOT", &root, now);
    trust.certify(
        &root,
        "HKG-K01#1",
        &device.verifying_key(),
        "HKG",
        now - Duration::days(1),
        now + Duration::days(365),
    );

    let day = gatecare_demo::generate(gatecare_demo::DemoConfig {
        other_departures: 0,
        ..gatecare_demo::DemoConfig::for_date(now.with_timezone(&chrono_tz::Asia::Hong_Kong).date_naive())
    });
    let p = day
        .passengers
        .iter()
        .find(|p| p.name.native.is_some())
        .context("no Chinese passenger in the demo")?;
    let f = &day.flights[0];
    let hk = chrono_tz::Asia::Hong_Kong;
    let payload = VoucherPayload {
        version: gatecare_voucher::signed::PAYLOAD_VERSION,
        voucher_id: uuid::Uuid::now_v7(),
        entitlement_key: None,
        kind: "meal".into(),
        value_minor: 12000,
        currency: "HKD".into(),
        surname: p.name.surname.clone(),
        initial: p.name.given_names.chars().next().map(String::from).unwrap_or_default(),
        flight: f.designator.to_string(),
        flight_date: f.scheduled_departure.with_timezone(&hk).format("%Y-%m-%d").to_string(),
        valid_from: now.timestamp(),
        valid_until: (now + Duration::hours(12)).timestamp(),
        serial: "HKG-K01-000001".into(),
    };
    let qr = sign(&payload, "HKG-K01#1", &device);
    let expected = f.disruption.as_ref().and_then(|d| d.expected_departure).unwrap_or(f.scheduled_departure);
    // HKG's own words from the shipped policy, as a station's vouchers carry them.
    let policy = gatecare_policy::Policy::default_policy();
    let general = gatecare_voucher::terms::wording("meal");
    let (buys_en, buys_zh) =
        policy.voucher_wording("HKG", "meal").unwrap_or((general.buys_en, general.buys_zh));
    let sheet = VoucherSheet {
        kind: "meal".into(),
        issuer: "China Southern Airlines · 中国南方航空 · Hong Kong HKG".into(),
        passenger_latin: p.name.ticket_form(),
        passenger_native: p.name.native.clone(),
        flight: f.designator.to_string(),
        route: format!("{} → {}", f.origin, f.destination),
        flight_date: f.scheduled_departure.with_timezone(&hk).format("%d %b %Y").to_string(),
        cause_en: "technical fault on the aircraft".into(),
        cause_zh: "飞机技术故障".into(),
        cancelled: false,
        new_time: gatecare_voucher::terms::departure_text(None, expected, hk),
        value: "HKD 120.00".into(),
        buys_zh: buys_zh.into(),
        buys_en: buys_en.into(),
        hotel: None,
        valid: gatecare_voucher::terms::validity_text(now, now + Duration::hours(12), hk),
        serial: payload.serial.clone(),
        rule: "航班正常管理规定 第二十九条 (CAAC 2016 rules, Art 29); airline policy: a meal every 4 hours of waiting".into(),
        tip_zh: "下一次航班动态将在 30 分钟内于 28 号登机口广播；请保留本券以便领取下一餐。".into(),
        tip_en: "The next update on your flight is announced at gate 28 within 30 minutes; keep this voucher for your next meal.".into(),
        qr_text: qr.clone(),
    };
    let fonts = load_fonts()?;
    let pdf = render(&[sheet], Layout::Receipt80, &fonts, "Gatecare meal voucher")?;
    std::fs::write(out.join("voucher.pdf"), pdf)?;
    std::fs::write(out.join("voucher.qr.txt"), &qr)?;
    std::fs::write(out.join("trust.json"), trust.to_json())?;
    // The demo root is made here: its fingerprint is what `verify --root` pins.
    let fingerprint = gatecare_sync::page::fingerprint(&root.verifying_key());
    std::fs::write(out.join("root-fingerprint.txt"), format!("{fingerprint}\n"))?;
    println!("{}", out.join("voucher.pdf").display());
    Ok(())
}

/// Whose time a voucher was checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckedAt {
    /// This machine's clock.
    ThisMachine,
    /// The time the command was given (`--at`).
    Given,
    /// Central's clock (a redemption).
    Central,
}

/// Why a voucher is not valid, in a line: for a voucher not yet valid or
/// expired, the time that decided it on the station's clock. A voucher not
/// yet valid on a real clock is nearly always one whose device's clock runs
/// ahead: say so (not for a time given on purpose).
pub fn why_not_valid(
    reason: &str,
    voucher: Option<&VoucherPayload>,
    tz: chrono_tz::Tz,
    at: DateTime<Utc>,
    checked: CheckedAt,
) -> String {
    let local = |t: i64| {
        DateTime::from_timestamp(t, 0).map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M %:z").to_string())
    };
    match (reason, voucher) {
        ("not_yet_valid", Some(v)) if let Some(from) = local(v.valid_from) => {
            let span = span_words(v.valid_from - at.timestamp());
            match checked {
                CheckedAt::Given => format!("{reason}: valid from {from}, {span} after the --at time"),
                CheckedAt::ThisMachine | CheckedAt::Central => {
                    let clock = if checked == CheckedAt::Central {
                        "this machine's clock (central found it not yet valid)"
                    } else {
                        "this machine's clock"
                    };
                    format!(
                        "{reason}: valid from {from}, {span} after {clock}; the device that issued it may have its \
                         clock ahead (its station's staff can reprint it once the clock is right)"
                    )
                }
            }
        }
        ("expired", Some(v)) if let Some(until) = local(v.valid_until) => {
            format!("{reason}: valid until {until}")
        }
        _ => reason.to_owned(),
    }
}

/// A span of seconds as people read it: "34 s", "12 min", "3 h 5 min".
fn span_words(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..60 => format!("{s} s"),
        60..7200 => format!("{} min", s / 60),
        _ => format!("{} h {} min", s / 3600, s % 3600 / 60),
    }
}

/// Central's error body (`{"code", "message"}`) as "code: message", when
/// `text` is one: what a fetch without the right token saves.
fn refusal(text: &str) -> Option<String> {
    let b: gatecare_sync::ErrorBody = serde_json::from_str(text).ok()?;
    Some(format!("{}: {}", b.code, b.message))
}

/// Prints the verdict as JSON; returns why the voucher is not valid, if it is not.
pub fn verify_cmd(
    qr: &str,
    trust: &Path,
    root: &str,
    void: Option<&Path>,
    at: DateTime<Utc>,
    checked: CheckedAt,
    tz: chrono_tz::Tz,
) -> anyhow::Result<Option<String>> {
    let trust_path = trust;
    let text =
        std::fs::read_to_string(trust).map_err(|e| BadInput(format!("--trust {}: {e}", trust.display())))?;
    let trust = TrustList::from_json(&text).map_err(|e| match refusal(&text) {
        Some(r) => BadInput(format!(
            "--trust {} holds central's refusal ({r}), not a trust list: fetch it with a merchant's token \
             (Authorization: Bearer TOKEN)",
            trust.display()
        )),
        None => BadInput(format!("--trust: {e}")),
    })?;
    if !gatecare_sync::page::is_fingerprint(root) {
        return Err(BadInput(format!(
            "--root {root:?}: sha256: and 64 hex digits, the airline root's fingerprint as `gatecare-central \
             admin enrolment-code` prints it"
        ))
        .into());
    }
    // Each certificate in the list is signed by the list's root: that root
    // must be the airline's, pinned here, or anyone could write a list.
    let pinned = gatecare_voucher::trust::verifying_key(&trust.root.public_key)
        .and_then(|key| gatecare_sync::page::fingerprint_matches(root, &key))
        .unwrap_or(false);
    if !pinned {
        let v = gatecare_voucher::verify::Verification {
            valid: false,
            reason: "untrusted_root",
            voucher: None,
            kid: None,
        };
        print_json(&v)?;
        return Ok(Some(format!(
            "voucher not valid: the trust list {} is not signed by the airline root {root}",
            trust_path.display()
        )));
    }
    let voids = match void {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).map_err(|e| BadInput(format!("--void {}: {e}", p.display())))?;
            VoidList::from_json(&text).map_err(|e| BadInput(format!("--void: {e}")))?
        }
        None => VoidList::default(),
    };
    let v = verify(qr, &trust, &voids, at);
    print_json(&v)?;
    // A list knows no revocation made after it: an old one still trusts a
    // stolen key. Said, not refused: offline is what the list is for.
    let age = at - trust.issued_at;
    if age > Duration::hours(24) {
        let days = match age.num_days() {
            1 => "a day".to_owned(),
            n => format!("{n} days"),
        };
        eprintln!(
            "note: the trust list was made {days} before this check ({}): keys revoked since are not in it; \
             fetch it again when the network allows",
            trust.issued_at.with_timezone(&tz).format("%Y-%m-%d %H:%M %:z")
        );
    }
    Ok((!v.valid).then(|| {
        format!("voucher not valid: {}", why_not_valid(v.reason, v.voucher.as_ref(), tz, at, checked))
    }))
}

pub fn render_cmd(input: Option<&Path>, layout: &str, out: &PathBuf) -> anyhow::Result<()> {
    let layout =
        Layout::parse(layout).ok_or_else(|| BadInput(format!("--layout: 80mm, a6 or a4, not {layout}")))?;
    let text = read_input(input)?;
    // One voucher or a list of them.
    let sheets: Vec<VoucherSheet> = match serde_json::from_str::<VoucherSheet>(&text) {
        Ok(one) => vec![one],
        Err(_) => serde_json::from_str(&text).map_err(|e| BadInput(format!("voucher JSON: {e}")))?,
    };
    let fonts = load_fonts()?;
    let pdf = render(&sheets, layout, &fonts, "Gatecare vouchers").map_err(|e| BadInput(e.to_string()))?;
    std::fs::write(out, pdf).with_context(|| format!("writing {}", out.display()))?;
    println!("{}", out.display());
    Ok(())
}

pub struct FlightArgs<'a> {
    pub db: &'a Path,
    pub flight: &'a str,
    pub layout: &'a str,
    pub out: &'a Path,
    pub per_passenger: bool,
    pub issue_meals: bool,
    pub limit: Option<usize>,
    pub device: Option<&'a str>,
}

/// Progress for a person at a terminal, one line rewritten in place; in a
/// log, only the last count, on a line of its own.
fn progress(doing: &'static str) -> impl FnMut(usize, usize) {
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    move |done, total| {
        if terminal {
            eprint!("\r{doing} {done}/{total}");
            if done == total {
                eprintln!();
            }
        } else if done == total {
            eprintln!("{doing} {done}/{total}");
        }
    }
}

/// Vouchers of one flight (today's departure of that designator at the
/// station), in the order they were issued: the priority order.
pub async fn flight(args: FlightArgs<'_>, settings: &mut gatecare_station::Settings) -> anyhow::Result<()> {
    use gatecare_ledger::EntitlementKind;
    use gatecare_station::{AuthenticatedAgent, IssueContext};

    let layout = Layout::parse(args.layout)
        .ok_or_else(|| BadInput(format!("--layout: 80mm, a6 or a4, not {}", args.layout)))?;
    let designator = gatecare_core::FlightDesignator::parse(args.flight)
        .map_err(|e| BadInput(format!("--flight: {e}")))?;
    // Found in a trial: `--out CZ342.pdf` made a folder of that name.
    if args.out.extension().is_some_and(|x| x.eq_ignore_ascii_case("pdf")) && !args.out.is_dir() {
        return Err(BadInput(format!(
            "--out is a folder (it gets the PDF, trust.json and the QR texts), not {}: try --out {}",
            args.out.display(),
            args.out.with_extension("").display()
        ))
        .into());
    }
    let store = crate::ledger::open_station(args.db, settings).await?;
    let settings = &*settings;
    // The code the store was enrolled under signs: another would sign with a
    // key central never certified.
    let device = args.device.map_or_else(|| settings.device.clone(), str::to_owned);
    if let Some(enrolled) = store.enrolled_device().await?
        && enrolled != device
    {
        return Err(BadInput(format!(
            "--device {device}: this store is enrolled with central as {enrolled}, whose key signs its vouchers"
        ))
        .into());
    }
    let now = settings.clock.now();
    let flight_id = store
        .departures(&designator.carrier, &designator.number, &settings.station)
        .await?
        .into_iter()
        .next()
        .map(|(id, _)| id)
        .ok_or_else(|| BadInput(format!("no flight {designator} from {}", settings.station)))?;
    if args.issue_meals && args.limit.is_some() {
        // Issuing covers the whole flight; a limit would only cut the paper
        // and leave the rest issued and unprinted.
        return Err(BadInput(
            "--limit cuts the PDF, --issue-meals issues the whole flight: issue first, then render with --limit".into(),
        )
        .into());
    }
    let mut not_issued_here = 0;
    if args.issue_meals {
        // Central's policy when it sent one, as the app issues.
        let policy = gatecare_api::device::policy_in_force(&store).await?;
        let actor = AuthenticatedAgent::kiosk(device.as_str(), settings.station.as_str());
        let ctx = IssueContext::new(device.as_str(), &actor, &policy, now);
        let summary = gatecare_bulk::Bulk(&store)
            .issue_bulk(&ctx, &flight_id, EntitlementKind::Meal, progress("issuing"))
            .await
            .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
        let mut said = format!("issued {} new, {} reprints", summary.issued, summary.reprinted);
        if summary.elsewhere > 0 {
            said.push_str(&format!("; {} issued by other devices", summary.elsewhere));
        }
        if summary.skipped > 0 {
            // A kiosk never replaces a voided voucher, nor issues what is leased elsewhere.
            said.push_str(&format!(
                "; {} not issued here (voided, or leased to another device): an agent at a console decides",
                summary.skipped
            ));
        }
        eprintln!("{said}");
        not_issued_here = summary.skipped;
    }
    let (mut ids, elsewhere) = gatecare_print::vouchers::flight_vouchers(&store, &flight_id).await?;
    if let Some(n) = args.limit {
        ids.truncate(n);
    }
    if ids.is_empty() {
        // Say why: nothing owed yet, or all of it issued on other devices.
        return Err(BadInput(if elsewhere > 0 {
            format!("no vouchers of this device on {designator}: the {elsewhere} standing are other devices'")
        } else if not_issued_here > 0 {
            format!(
                "no vouchers of this device on {designator}: the {not_issued_here} meals owed are voided or leased \
                 to another device (an agent at a console decides)"
            )
        } else if args.issue_meals {
            format!("no vouchers on {designator}: no meal is owed yet")
        } else {
            format!("no vouchers issued on {designator} yet (use --issue-meals)")
        })
        .into());
    }
    let signer = store.device_signer(device.as_str(), now).await?;
    let fonts = load_fonts()?;
    std::fs::create_dir_all(args.out)?;
    // An enrolled device writes central's trust list (what merchants hold);
    // until central certifies it, a demo root does, so the output can be verified.
    let trust_json = match store.trust_list().await? {
        Some(list) if store.enrolment().await?.is_some() => list.to_json(),
        _ => {
            let root = random_key()?;
            let mut trust = TrustList::new("GATECARE-DEMO-ROOT", &root, now);
            trust.certify(
                &root,
                &signer.kid,
                &signer.verifying_key(),
                settings.station.as_str(),
                now - Duration::days(1),
                now + Duration::days(30),
            );
            trust.to_json()
        }
    };
    // The root to pin when verifying these vouchers: central's (as enrolment
    // pinned it) or the demo root made here.
    if let Some(root) = TrustList::from_json(&trust_json)
        .ok()
        .and_then(|t| gatecare_voucher::trust::verifying_key(&t.root.public_key))
    {
        let fingerprint = gatecare_sync::page::fingerprint(&root);
        std::fs::write(args.out.join("root-fingerprint.txt"), format!("{fingerprint}\n"))?;
    }
    std::fs::write(args.out.join("trust.json"), trust_json)?;
    let files = if args.per_passenger {
        gatecare_print::vouchers::voucher_pdfs(
            &store,
            &ids,
            &signer,
            &fonts,
            layout,
            args.out,
            progress("rendering"),
        )
        .await?
    } else {
        let pdf = gatecare_print::vouchers::flight_pdf(
            &store,
            &ids,
            &signer,
            &fonts,
            layout,
            progress("preparing"),
        )
        .await?;
        let path = args.out.join(format!("{designator}.pdf"));
        std::fs::write(&path, pdf)?;
        vec![path]
    };
    // The QR texts too, one a line in the paper's order: what a till or a
    // test scans, without reading the PDFs back.
    let mut qr_text = String::new();
    for id in &ids {
        qr_text.push_str(&gatecare_print::vouchers::voucher_sheet(&store, id, &signer).await?.qr_text);
        qr_text.push('\n');
    }
    let qr_path = args.out.join(format!("{designator}.qr.txt"));
    std::fs::write(&qr_path, qr_text)?;
    print_json(&serde_json::json!({"flight": designator.to_string(), "vouchers": ids.len(), "files": files,
                            "qr": qr_path, "trust": args.out.join("trust.json"),
                            "root_fingerprint": args.out.join("root-fingerprint.txt")}))?;
    Ok(())
}
