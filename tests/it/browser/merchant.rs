//! The merchant's page: a noodle bar's till enrols with the administrator's
//! code, checks a kiosk's voucher with the airline's verifier compiled to
//! WebAssembly, redeems it once, and keeps checking with central stopped.

use chrono::Utc;
use fantoccini::Locator;
use gatecare_link::{CentralClient, sync_once};
use gatecare_policy::Policy;
use gatecare_station::{AuthenticatedAgent, IssueContext, Station};

use super::harness::*;
use crate::support::seeded_store;

/// A kiosk of HKG enrolled with `central` (a real process, real clock)
/// prints a meal voucher now for each of `n` passengers; returns their QR
/// texts and surnames.
pub(super) async fn kiosk_vouchers(
    central: &CentralProcess,
    dir: &std::path::Path,
    n: usize,
) -> anyhow::Result<Vec<(String, String)>> {
    let path = dir.join("kiosk.sqlite");
    let day = seeded_store(&path, 2).await;
    let kiosk = Station::open(&path).await?;
    let (code, fingerprint) = central.code("kiosk")?;
    let enrolment =
        gatecare_link::enrol_with_central(&kiosk, &central.url, &code, &fingerprint, "HKG-K01", Utc::now())
            .await?;
    let flight = day.flights.iter().find(|f| f.designator.to_string() == "CZ342").context("CZ342")?;
    let agent = AuthenticatedAgent::kiosk("HKG-K01", "HKG");
    let policy = Policy::default_policy();
    let mut out = Vec::new();
    for pax in day.passengers.iter().filter(|p| p.flight_id == flight.id).take(n) {
        let ctx = IssueContext::new("HKG-K01", &agent, &policy, Utc::now());
        let issued = kiosk.issue(&ctx, &crate::support::meal_request(pax.id, flight.id, 1)).await?;
        let signer = kiosk.device_signer("HKG-K01", Utc::now()).await?;
        let qr = gatecare_print::vouchers::voucher_sheet(&kiosk, &issued.voucher_id, &signer).await?.qr_text;
        out.push((qr, pax.name.surname.clone()));
    }
    let client = CentralClient::for_enrolment(&enrolment)?;
    while sync_once(&kiosk, &client, &enrolment, "HKG-K01", Utc::now()).await?.more {}
    kiosk.close().await;
    ensure!(out.len() == n, "only {} passengers on CZ342", out.len());
    Ok(out)
}

/// Enrols the page as a merchant till named `name`.
async fn enrol(b: &Browser, central: &CentralProcess, name: &str) -> anyhow::Result<()> {
    let (code, _) = central.code("merchant")?;
    b.type_into("[data-testid=code]", &code).await?;
    b.type_into("[data-testid=name-input]", name).await?;
    b.click("[data-testid=enrol]").await?;
    b.wait_text("[data-testid=enrolled-as]", name).await?;
    Ok(())
}

/// Enrols a till named `name` through central's API (no page), as a
/// merchant's own system would; its token.
pub(super) async fn enrol_till(central: &CentralProcess, name: &str) -> anyhow::Result<String> {
    let (code, _) = central.code("merchant")?;
    let enrolled = CentralClient::new(&central.url, None)?
        .enrol(&gatecare_sync::EnrolRequest {
            code,
            name: name.into(),
            signing_kid: None,
            signing_public_key: None,
        })
        .await?;
    Ok(enrolled.token)
}

/// Pastes a QR into the page and checks it.
async fn check(b: &Browser, qr: &str) -> anyhow::Result<String> {
    // The page numbers each finished check on its verdict: the answer is
    // the verdict after this one, not the last one's, nor one on its way
    // (a good signature, then central's "already redeemed").
    let numbered = || async {
        match b.client.find(Locator::Css("[data-testid=verdict]")).await {
            Ok(el) => el.attr("data-check").await.ok().flatten(),
            Err(_) => None,
        }
    };
    let before = numbered().await;
    b.set_value("[data-testid=qr]", qr).await?;
    b.click("[data-testid=check]").await?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while numbered().await == before {
        ensure!(std::time::Instant::now() < deadline, "no verdict within 30 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    b.text("[data-testid=verdict]").await
}

#[tokio::test]
async fn a_merchant_checks_and_redeems_a_voucher_and_keeps_checking_offline() {
    if !enabled() {
        return;
    }
    let mut central = CentralProcess::start().expect("central");
    let dir = tempfile::tempdir().unwrap();
    let mut vouchers = kiosk_vouchers(&central, dir.path(), 2).await.expect("a kiosk's vouchers");
    let (qr, surname) = vouchers.remove(0);
    let (other_qr, _) = vouchers.remove(0);
    let b = Browser::start("merchant", &[]).await.expect("chromium");
    let outcome = bounded(async {
        let page = format!("{}/merchant/", central.url);
        // What central answers for the page: a strict policy and revalidation.
        let resp = reqwest::get(&page).await?;
        let csp = resp.headers()["content-security-policy"].to_str()?.to_owned();
        ensure!(csp.contains("script-src 'self' 'wasm-unsafe-eval'") && !csp.contains("unsafe-inline"), "{csp}");
        ensure!(resp.headers()["cache-control"] == "no-cache");
        // Its scripts and styles are named by their content: kept a year.
        let html = resp.text().await?;
        let asset = html
            .split('"')
            .find(|s| s.contains("/assets/") && s.ends_with(".js"))
            .context("the page names no script under assets/")?;
        let asset = reqwest::get(format!("{}{asset}", central.url)).await?;
        ensure!(asset.status() == 200, "{}", asset.status());
        ensure!(asset.headers()["cache-control"] == "public, max-age=31536000, immutable");
        // A missing asset is not cached for a year.
        let missing = reqwest::get(format!("{}/merchant/assets/nothing-here.js", central.url)).await?;
        ensure!(missing.headers().get("cache-control").is_none_or(|c| c != "public, max-age=31536000, immutable"));
        let unenrolled = reqwest::get(format!("{}/merchant/api/lists", central.url)).await?;
        ensure!(unenrolled.status() == 401, "lists without the cookie: {}", unenrolled.status());

        b.client.goto(&page).await?;
        // Enrolment with the administrator's one-time merchant code.
        let (code, _) = central.code("merchant")?;
        b.type_into("[data-testid=code]", &code).await?;
        b.type_into("[data-testid=name-input]", "Noodle Bar T1").await?;
        b.snap("merchant-enrol-zh-CN").await?;
        b.click("[data-testid=enrol]").await?;
        b.wait_text("[data-testid=enrolled-as]", "Noodle Bar T1 · HKG").await?;
        b.wait_text("[data-testid=lists-age]", "名单已是最新").await?;
        // The token is in an HttpOnly cookie: no script of the page reads it.
        let cookie = b.client.execute("return document.cookie;", vec![]).await?;
        ensure!(cookie == serde_json::json!(""), "document.cookie shows {cookie}");

        // A kiosk's voucher: valid, with what it buys, for whom and until when.
        ensure!(check(&b, &qr).await? == "代金券有效");
        ensure!(b.text("[data-testid=buys]").await? == "餐食");
        ensure!(b.text("[data-testid=value]").await? == "HKD 120.00");
        ensure!(b.text("[data-testid=name]").await?.starts_with(&surname));
        ensure!(b.text("[data-testid=flight]").await?.starts_with("CZ342"));
        // In the station's time (Hong Kong), whatever zone the till's clock is set to.
        let validity = b.text("[data-testid=validity]").await?;
        ensure!(validity.contains("GMT+8") && validity.contains(" 至 "), "{validity}");
        b.snap("merchant-valid-zh-CN").await?;
        let violations = b.axe().await?;
        ensure!(violations.is_empty(), "axe: {violations:#?}");

        // An altered voucher is refused with its reason, in words.
        let altered = with_altered_signature(&qr)?;
        ensure!(check(&b, &altered).await? == "不予接受");
        let why = b.text("[data-testid=reason]").await?;
        ensure!(why == "代金券已被篡改。", "{why}");
        b.snap("merchant-refused-zh-CN").await?;
        ensure!(b.client.find(Locator::Css("[data-testid=redeem]")).await.is_err(), "a refused voucher offers redemption");

        // Redeemed online, once; the second time says when and where.
        b.click("[data-testid=lang-en]").await?;
        ensure!(check(&b, &qr).await? == "Valid voucher");
        b.click("[data-testid=redeem]").await?;
        b.wait_text("[data-testid=redemption]", "Redeemed at").await?;
        b.snap("merchant-redeemed-en").await?;
        // Checked again, it is refused at once: central says when and where.
        ensure!(check(&b, &qr).await? == "Refused");
        let again = b.wait_text("[data-testid=redemption]", "Already redeemed").await?;
        ensure!(again.contains("by Noodle Bar T1"), "{again}");
        ensure!(b.client.find(Locator::Css("[data-testid=redeem]")).await.is_err(), "a used voucher offers redemption");

        // The day's list: one redemption, what the airline pays, and its CSV.
        b.wait_text("[data-testid=day-total]", "Total HKD 120.00 (1)").await?;
        let line = b.text("[data-testid=day-line]").await?;
        ensure!(line.contains("Meal") && line.contains("CZ342") && line.contains("HKG-K01-000001"), "{line}");
        b.snap_at("[data-testid=day]", "merchant-day-en").await?;
        let fetch = "const done = arguments[arguments.length - 1]; \
            fetch(arguments[0]).then((r) => r.text().then((t) => done([r.headers.get('content-type'), t])));";
        let csv = b.client.execute_async(fetch, vec!["api/redemptions.csv".into()]).await?;
        ensure!(csv[0] == "text/csv; charset=utf-8", "{csv}");
        let rows: Vec<&str> = csv[1].as_str().unwrap_or_default().lines().collect();
        ensure!(rows.len() == 2 && rows[0].starts_with("redeemed_at,serial,kind"), "{rows:?}");
        // The text starts with a byte-order mark (the browser's decoder
        // drops it, as spreadsheets do): names in Chinese read right.
        let head = b
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1]; fetch('api/redemptions.csv') \
                 .then((r) => r.arrayBuffer()).then((a) => done(Array.from(new Uint8Array(a).slice(0, 3))));",
                vec![],
            )
            .await?;
        ensure!(head == serde_json::json!([0xef, 0xbb, 0xbf]), "{head}");
        let row: Vec<&str> = rows[1].split(',').collect();
        ensure!(row[0].ends_with("+08:00") && row[1] == "HKG-K01-000001", "{row:?}");
        ensure!(row[2..8] == ["meal", "CZ342", "2026-11-22", "HKD", "120.00", "no"], "{row:?}");
        ensure!(row[10] == "Noodle Bar T1", "{row:?}");
        let before = b.client.execute_async(fetch, vec!["api/redemptions?day=2026-01-01".into()]).await?;
        ensure!(before[1].as_str().unwrap_or_default().contains("\"lines\":[]"), "{before}");
        // Another day in the page: nothing then; today again: the line.
        b.client
            .execute(
                "const el = document.querySelector('[data-testid=day-pick]'); el.value = '2026-01-01'; \
                 el.dispatchEvent(new Event('input', { bubbles: true })); \
                 el.dispatchEvent(new Event('change', { bubbles: true })); return true;",
                vec![],
            )
            .await?;
        b.wait_text("[data-testid=day]", "Nothing redeemed on this day").await?;
        ensure!(b.text("#day-title").await? == "Redeemed on 2026-01-01");

        // Central stopped: the page still opens (its service worker) and
        // checks with the lists it kept.
        let ready = b
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 navigator.serviceWorker.ready.then(() => done(!!navigator.serviceWorker.controller || 'ready'));",
                vec![],
            )
            .await?;
        ensure!(ready != serde_json::json!(false), "no service worker: {ready}");
        central.stop();
        b.client.goto(&page).await?;
        b.wait_text("[data-testid=network]", "Offline").await?;
        // What this till redeemed is refused offline too.
        ensure!(check(&b, &qr).await? == "Refused");
        b.wait_text("[data-testid=redemption]", "Redeemed on this till at").await?;
        ensure!(check(&b, &other_qr).await? == "Valid voucher");
        ensure!(b.text("[data-testid=value]").await? == "HKD 120.00");
        b.snap("merchant-offline-en").await?;
        // The airline lets this till take nothing offline: the verdict
        // says so (not "valid" beside "do not accept").
        b.click("[data-testid=redeem]").await?;
        b.wait_text("[data-testid=redemption]", "not confirmed").await?;
        ensure!(b.text("[data-testid=verdict]").await? == "Refused");
        ensure!(b.text("[data-testid=reason]").await? == "This till may not accept vouchers offline.");
        // An altered voucher is refused offline too, by the same verifier.
        ensure!(check(&b, &altered).await? == "Refused");
        ensure!(b.text("[data-testid=reason]").await? == "The voucher has been altered.");
        ensure!(check(&b, &other_qr).await? == "Valid voucher");
        b.click("[data-testid=redeem]").await?;
        b.wait_text("[data-testid=reason]", "may not accept vouchers offline").await?;
        // Central back: the offline refusal does not stay; the voucher is
        // checked again and may be redeemed.
        central.restart()?;
        b.wait_text_for("[data-testid=network]", "Online", 40).await?;
        b.wait_text_for("[data-testid=verdict]", "Valid voucher", 20).await?;
        ensure!(b.client.find(Locator::Css("[data-testid=redeem]")).await.is_ok(), "no redemption offered");
        Ok(())
    })
    .await;
    b.finish(outcome).await;
}

/// `qr` with one byte of its signature changed (the COSE structure ends with
/// it, and base45 carries no compression): well formed, and altered.
fn with_altered_signature(qr: &str) -> anyhow::Result<String> {
    let mut cose = base45::decode(qr.strip_prefix("GC1:").context("a voucher code")?)?;
    let last = cose.len() - 1;
    cose[last] ^= 0x01;
    Ok(format!("GC1:{}", base45::encode(cose)))
}

/// A camera's video of the codes `shown`, each for its seconds, one after
/// the other, as a phone held to a till's camera gives it: each printed code
/// (black modules on white, as a greyscale picture) made by Debian's ffmpeg
/// into MJPEG, the format Chromium's fake camera reads, 640 × 480, smaller
/// than the frame, turned a little, with sensor noise on every frame and
/// JPEG's own blur.
fn qr_video(shown: &[(&str, u32)], dir: &std::path::Path) -> anyhow::Result<std::path::PathBuf> {
    let mut ffmpeg = std::process::Command::new("ffmpeg");
    ffmpeg.args(["-nostdin", "-loglevel", "error", "-y"]);
    let mut filter = String::new();
    for (n, (text, seconds)) in shown.iter().enumerate() {
        let printed = dir.join(format!("code-{n}.pgm"));
        std::fs::write(&printed, printed_code(text)?)?;
        ffmpeg.args(["-loop", "1", "-t", &seconds.to_string(), "-i"]).arg(&printed);
        filter.push_str(&format!(
            "[{n}]scale=360:360,rotate=0.08:ow=640:oh=480:fillcolor=white,noise=alls=14:allf=t,format=yuvj420p,fps=10[v{n}];"
        ));
    }
    let inputs: String = (0..shown.len()).map(|n| format!("[v{n}]")).collect();
    filter.push_str(&format!("{inputs}concat=n={}:v=1[out]", shown.len()));
    let video = dir.join("camera.mjpeg");
    let out = ffmpeg
        .args(["-filter_complex", &filter, "-map", "[out]", "-c:v", "mjpeg", "-q:v", "6", "-f", "mjpeg"])
        .arg(&video)
        .output()
        .context("ffmpeg (cargo xtask test installs Debian's ffmpeg)")?;
    ensure!(out.status.success(), "ffmpeg: {}", String::from_utf8_lossy(&out.stderr));
    Ok(video)
}

/// `text` as a QR code printed black on white: a greyscale PGM picture,
/// five pixels a module, with its quiet zone.
fn printed_code(text: &str) -> anyhow::Result<Vec<u8>> {
    let code = gatecare_voucher::qr::encode(text)?;
    let (quiet, scale) = (4, 5);
    let side = scale * (code.size + 2 * quiet);
    let mut picture = format!("P5\n{side} {side}\n255\n").into_bytes();
    for y in 0..side {
        for x in 0..side {
            let (row, col) = ((y / scale).checked_sub(quiet), (x / scale).checked_sub(quiet));
            let dark = match (row, col) {
                (Some(r), Some(c)) if r < code.size && c < code.size => code.modules[r * code.size + c],
                _ => false,
            };
            picture.push(if dark { 0 } else { 255 });
        }
    }
    Ok(picture)
}

#[tokio::test]
async fn a_merchant_scans_a_voucher_with_the_camera() {
    if !enabled() {
        return;
    }
    let central = CentralProcess::start().expect("central");
    let dir = tempfile::tempdir().unwrap();
    let (qr, _) = kiosk_vouchers(&central, dir.path(), 1).await.expect("a kiosk's voucher").remove(0);
    // First a code that is no voucher (a passenger's boarding pass), then
    // the voucher.
    let pass = "M1LI/NA               EABC123 HKGPVGCZ 0342 326Y012A0001 100";
    let video = qr_video(&[(pass, 3), (&qr, 4)], dir.path()).expect("the camera's video");
    let camera = [
        "--use-fake-ui-for-media-stream".to_owned(),
        "--use-fake-device-for-media-stream".to_owned(),
        format!("--use-file-for-fake-video-capture={}", video.display()),
    ];
    let b = Browser::start("merchant-camera", &camera).await.expect("chromium");
    let outcome = bounded(async {
        b.client.goto(&format!("{}/merchant/?lang=en", central.url)).await?;
        enrol(&b, &central, "Harbour Hotel front desk").await?;
        b.wait_text("[data-testid=lists-age]", "up to date").await?;
        b.click("[data-testid=camera]").await?;
        // A code that is no voucher is refused at once, and the camera
        // keeps looking.
        b.wait_text_for("[data-testid=reason]", "This is not a Gatecare voucher code.", 30).await?;
        b.snap_at("[data-testid=result]", "merchant-camera-not-a-voucher-en").await?;
        // The voucher: read by itself, the camera stops, and it is checked.
        b.wait_text_for("[data-testid=verdict]", "Valid voucher", 30).await?;
        let read =
            b.client.execute("return document.querySelector('[data-testid=qr]').value;", vec![]).await?;
        ensure!(read == serde_json::json!(qr), "the camera read {read}");
        b.wait_text("[data-testid=camera]", "Scan with the camera").await?;
        b.snap("merchant-camera-en").await?;

        // The airline sets this till to take hotel nights only: a meal
        // voucher, good in itself, is refused here, with why.
        let said = central.admin(&["merchant", "Harbour Hotel front desk", "--accepts", "hotel"])?;
        ensure!(said.contains("takes hotel"), "{said}");
        b.client.goto(&format!("{}/merchant/?lang=en", central.url)).await?;
        b.wait_text("[data-testid=takes]", "This till takes: Hotel night").await?;
        b.set_value("[data-testid=qr]", &qr).await?;
        b.click("[data-testid=check]").await?;
        b.wait_text("[data-testid=verdict]", "Refused").await?;
        b.wait_text("[data-testid=reason]", "Not a kind of voucher this till takes").await?;
        ensure!(b.client.find(Locator::Css("[data-testid=redeem]")).await.is_err(), "no redeem button");
        b.snap("merchant-not-taken-en").await?;
        Ok(())
    })
    .await;
    b.finish(outcome).await;
}

/// A merchant allowed two offline acceptances: with central down it accepts
/// two vouchers and refuses a third; back online the page sends them, one
/// is confirmed, and the one another till redeemed meanwhile is kept as a
/// redemption conflict, shown to the merchant.
#[tokio::test]
async fn offline_acceptances_are_sent_when_central_is_back_and_a_double_spend_is_kept() {
    if !enabled() {
        return;
    }
    let mut central = CentralProcess::start().expect("central");
    let dir = tempfile::tempdir().unwrap();
    let vouchers = kiosk_vouchers(&central, dir.path(), 3).await.expect("a kiosk's vouchers");
    let b = Browser::start("merchant-offline", &[]).await.expect("chromium");
    let outcome = bounded(async {
        let page = format!("{}/merchant/?lang=en", central.url);
        b.client.goto(&page).await?;
        enrol(&b, &central, "Noodle Bar T1").await?;
        // The default: no offline acceptance at all.
        b.wait_text("[data-testid=offline-limit]", "may not accept vouchers").await?;
        central.stop();
        // Untouched, the page notices central is gone within seconds.
        b.wait_text_for("[data-testid=network]", "Offline", 40).await?;
        ensure!(check(&b, &vouchers[0].0).await? == "Valid voucher");
        b.click("[data-testid=redeem]").await?;
        b.wait_text("[data-testid=redemption]", "Do not accept it unless").await?;
        ensure!(b.client.find(Locator::Css("[data-testid=accept-offline]")).await.is_err());

        // The administrator allows two; the page learns it when next online.
        central.restart()?;
        let said = central.admin(&["merchant", "Noodle Bar T1", "--offline-limit", "2"])?;
        ensure!(said.contains("may accept 2 vouchers offline"), "{said}");
        b.client.goto(&page).await?;
        b.wait_text("[data-testid=offline-limit]", "up to 2 vouchers").await?;
        central.stop();
        for (qr, _) in &vouchers[..2] {
            ensure!(check(&b, qr).await? == "Valid voucher");
            b.click("[data-testid=redeem]").await?;
            b.wait_text("[data-testid=redemption]", "accept").await?;
            b.click("[data-testid=accept-offline]").await?;
            b.wait_text("[data-testid=redemption]", "Accepted offline").await?;
        }
        b.wait_text("[data-testid=queue]", "2 accepted offline").await?;
        // The same voucher twice on this till, and a third past the limit.
        ensure!(check(&b, &vouchers[0].0).await? == "Refused");
        b.wait_text("[data-testid=redemption]", "Already accepted offline on this till").await?;
        ensure!(check(&b, &vouchers[2].0).await? == "Valid voucher");
        b.click("[data-testid=redeem]").await?;
        b.wait_text("[data-testid=redemption]", "as many vouchers offline as the airline allows (2)").await?;
        ensure!(b.client.find(Locator::Css("[data-testid=accept-offline]")).await.is_err());
        // The verdict is the till's, not only the signature's (found in a station trial).
        b.wait_text("[data-testid=verdict]", "Refused").await?;
        b.wait_text("[data-testid=reason]", "limit of offline acceptances").await?;
        b.snap("merchant-queued-en").await?;

        // Central is back; another till redeems the first voucher before
        // this page sends its acceptances.
        central.restart()?;
        let other_token = enrol_till(&central, "Harbour Hotel front desk").await?;
        let first: gatecare_sync::RedeemResponse = reqwest::Client::new()
            .post(format!("{}/v1/vouchers/redeem", central.url))
            .bearer_auth(&other_token)
            .json(&gatecare_sync::RedeemRequest {
                redemption_id: uuid::Uuid::now_v7(),
                qr: vouchers[0].0.clone(),
                offline_at: None,
            })
            .send()
            .await?
            .json()
            .await?;
        ensure!(first.redeemed, "{first:?}");
        // No reload: the page looks again within seconds and sends what waits.
        b.wait_text_for("[data-testid=network]", "Online", 40).await?;
        b.wait_text_for("[data-testid=day-total]", "Total HKD 120.00 (1)", 40).await?;
        let conflict = b.text("[data-testid=conflict]").await?;
        ensure!(
            conflict.contains("HKG-K01-000001: redeemed by Harbour Hotel front desk")
                && conflict.contains("accepted offline by Noodle Bar T1"),
            "{conflict}"
        );
        ensure!(
            b.client.find(Locator::Css("[data-testid=queue]")).await.is_err(),
            "the queue was not emptied"
        );
        // Central counted both (the confirmed one and the conflict): none left.
        let left = b.text("[data-testid=offline-limit]").await?;
        ensure!(left.contains("(0 left)"), "{left}");
        b.snap_at("[data-testid=day]", "merchant-conflict-en").await?;
        // The airline sees it too.
        let report: serde_json::Value =
            serde_json::from_str(&central.admin(&["redemptions", "--flight", "CZ342/2026-11-22"])?)?;
        ensure!(report["conflicts"].as_array().map(Vec::len) == Some(1), "{report}");
        ensure!(report["flights"][0]["redeemed"][0]["count"] == 2, "{report}");
        let token = central.admin(&["token", "--name", "finance HKG"])?;
        ensure!(token.trim().len() == 64, "{token}");
        Ok(())
    })
    .await;
    b.finish(outcome).await;
}
