//! The passenger's copy of a voucher on a phone: the link a kiosk shows
//! opens central's `/pass/` page with the voucher in the fragment; the page
//! shows what it buys and its QR for the merchant, stays readable with the
//! network gone, and shows attacker-made fragments as text only.

use super::harness::*;
use super::merchant::{enrol_till, kiosk_vouchers};

#[tokio::test]
async fn a_passengers_copy_opens_from_its_link_and_stays_readable_offline() {
    if !enabled() {
        return;
    }
    let mut central = CentralProcess::start().expect("central");
    let dir = tempfile::tempdir().unwrap();
    let (qr, surname) = kiosk_vouchers(&central, dir.path(), 1).await.expect("a kiosk's voucher").remove(0);
    let link = gatecare_voucher::signed::phone_link(&central.url, "HKG", "Asia/Hong_Kong", &qr);
    let b = Browser::start("pass", &[]).await.expect("chromium");
    let outcome = bounded(async {
        // Two places the airline published for HKG; the meal voucher's page
        // lists the one that takes meals.
        for (name, accepts, en, zh) in [
            ("Noodle Bar T1", "meal,transport", "Terminal 1, level 7, near gate 23", "一号客运大楼七楼，23号登机口旁"),
            ("Harbour Hotel", "hotel", "Tung Chung, shuttle from Arrivals door B", "东涌，接驳车在到达大厅B门"),
        ] {
            enrol_till(&central, name).await?;
            let said = central.admin(&["merchant", name, "--accepts", accepts, "--place-en", en, "--place-zh", zh])?;
            ensure!(said.contains("listed on the passenger's page of HKG"), "{said}");
        }
        // Its own policy: no camera, nothing inline.
        let resp = reqwest::get(format!("{}/pass/", central.url)).await?;
        let csp = resp.headers()["content-security-policy"].to_str()?.to_owned();
        ensure!(csp == gatecare_server::web::PASS_CSP, "{csp}");
        ensure!(resp.headers()["permissions-policy"].to_str()?.starts_with("camera=()"));

        b.client.goto(&link).await?;
        b.wait_text("[data-testid=pass-buys]", "餐食").await?;
        ensure!(b.text("[data-testid=pass-value]").await? == "HKD 120.00");
        ensure!(b.text("[data-testid=pass-name]").await?.starts_with(&surname));
        ensure!(b.text("[data-testid=pass-serial]").await? == "HKG-K01-000001");
        // In the station's time, as on paper, whatever the phone's zone.
        let validity = b.text("[data-testid=pass-validity]").await?;
        ensure!(validity.contains("GMT+8"), "{validity}");
        b.wait_text("[data-testid=pass-places]", "使用地点").await?;
        let places = b.text("[data-testid=pass-places]").await?;
        ensure!(places.contains("Noodle Bar T1 · 一号客运大楼七楼，23号登机口旁"), "{places}");
        ensure!(!places.contains("Harbour Hotel"), "a hotel does not take meals: {places}");
        b.snap("pass-zh-CN").await?;
        b.client.execute("document.querySelector('[data-testid=pass-places]').scrollIntoView();", vec![]).await?;
        b.snap("pass-places-zh-CN").await?;
        // The code on the screen is the voucher's, as a merchant's scanner reads it.
        let read = b.read_qr("[data-testid=pass-qr]", "pass").await?;
        ensure!(read == qr, "zbarimg read {read:?}");
        let violations = b.axe().await?;
        ensure!(violations.is_empty(), "axe: {violations:#?}");

        // Offline once opened: the service worker keeps the page.
        b.client
            .execute_async(
                "const done = arguments[arguments.length - 1]; navigator.serviceWorker.ready.then(() => done(true));",
                vec![],
            )
            .await?;
        central.stop();
        b.client.goto(&link.replace("#", "&lang=en#")).await?;
        b.wait_text("[data-testid=pass-buys]", "Meal").await?;
        ensure!(b.text("[data-testid=pass-value]").await? == "HKD 120.00");
        // Where to use it, as the phone kept it.
        b.wait_text("[data-testid=pass-places]", "Terminal 1, level 7, near gate 23").await?;
        b.snap("pass-offline-en").await?;

        // A fragment someone made up is shown as text, never run or drawn.
        let hostile = format!("{}/pass/?lang=en#%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E", central.url);
        b.client.goto(&hostile).await?;
        b.wait_text("[data-testid=pass-bad]", "does not hold a voucher").await?;
        let injected = b.client.execute("return document.querySelectorAll('main img').length;", vec![]).await?;
        ensure!(injected == serde_json::json!(0), "{injected}");
        Ok(())
    })
    .await;
    b.finish(outcome).await;
}
