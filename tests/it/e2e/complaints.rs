//! A complaint at the kiosk reaches another console through central and
//! is resolved there.

use super::harness::*;

/// Issue #10's end-to-end story: a passenger complains at the kiosk; the
/// case reaches the gate console (another device) through central with its
/// 72-hour deadline; an agent takes it and resolves it with miles; the
/// passenger view remembers it, and central has every step.
#[tokio::test]
async fn kiosk_complaint_reaches_the_console_and_is_resolved_with_miles() {
    if !enabled() {
        return;
    }
    crate::voucher::cups();
    let c = E2eCentral::start().await;
    let (central, served, clock) = (c.central.clone(), &c.served, &c.clock);
    let kiosk_code = c.code().await;

    // 1. The kiosk.
    let (s, day) = Session::start_with(
        "kiosk-complaint",
        Launch { mode: "kiosk", language: "en" },
        Extra { now: Some(NIGHT), central: Some((served.url(), kiosk_code)), ..Extra::default() },
    )
    .await
    .expect("start kiosk");
    let f = day.flights.iter().find(|f| f.designator.to_string() == "CZ342").expect("CZ342").clone();
    let p = day
        .passengers
        .iter()
        .find(|p| p.flight_id == f.id && p.group.is_none() && p.loyalty.is_some() && p.needs.is_empty())
        .expect("a member without special needs")
        .clone();
    let outcome = bounded(async {
        s.wait_text("[data-testid=kiosk-welcome]", "Welcome").await?;
        s.scan(&p.boarding_pass).await?;
        s.click("[data-testid=print-meal-1]").await?;
        s.wait_text_for("[data-testid=print-status]", "Printed", 90).await?;
        // A poor rating opens the complaint form at once.
        s.click("[data-testid=feedback-2]").await?;
        s.wait_text("[data-testid=complaint]", "within 72 hours").await?;
        // Sending without a category says what is missing and sends nothing.
        s.click("[data-testid=complaint-send]").await?;
        s.wait_text("[data-testid=complaint] [role=alert]", "choose").await?;
        s.click("[data-testid=complaint-delay_handling]").await?;
        s.type_into("[data-testid=complaint-text]", "Nine hours and nobody told us why.").await?;
        s.snap_at("[data-testid=complaint]", "kiosk-complaint-en").await?;
        s.click("[data-testid=lang-zh-CN]").await?;
        s.wait_text("[data-testid=complaint]", "72 小时").await?;
        s.snap_at("[data-testid=complaint]", "kiosk-complaint-zh-CN").await?;
        s.click("[data-testid=lang-en]").await?;
        s.click("[data-testid=complaint-send]").await?;
        // 14:30Z + 72 h is Wednesday 25th, 22:30 in Hong Kong.
        let done = s.wait_text("[data-testid=complaint-done]", "22:30").await?;
        ensure!(done.contains("GC-") && done.contains("Wed") && done.contains("25"), "{done}");
        s.snap_at("[data-testid=complaint-done]", "kiosk-complaint-done-en").await?;
        s.click("[data-testid=lang-zh-CN]").await?;
        let zh = s.wait_text("[data-testid=complaint-done]", "11月25日").await?;
        ensure!(zh.contains("22:30"), "{zh}");
        s.snap_at("[data-testid=complaint-done]", "kiosk-complaint-done-zh-CN").await?;
        // The case reaches central through the event log.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let kinds: Vec<String> =
                sqlx::query_scalar("SELECT kind FROM feed_items WHERE kind = 'case_opened'")
                    .fetch_all(central.db.pool())
                    .await?;
            if kinds.len() == 1 {
                break;
            }
            ensure!(Instant::now() < deadline, "central has no case_opened");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        Ok(())
    })
    .await;
    s.finish(outcome).await;

    // 2. The gate console, another device at the station, 68 hours on:
    // central's clock too (feed pages carry central's time, and a device
    // refuses one far from its own clock as a replay).
    clock.set(chrono::DateTime::parse_from_rfc3339("2026-11-25T10:30:00Z").unwrap().to_utc());
    let console_code = c.code_for(gatecare_sync::DeviceRole::Console).await;
    let (s, _) = Session::start_with(
        "console-case",
        Launch { mode: "agent", language: "en" },
        Extra {
            // 68 hours after the complaint: 4 h left to answer.
            now: Some("2026-11-25T10:30:00Z"),
            central: Some((served.url(), console_code)),
            device: Some("HKG-G01"),
            ..Extra::default()
        },
    )
    .await
    .expect("start console");
    let outcome = bounded(async {
        s.sign_in("A1001", "246810").await?;
        s.click("[data-testid=cases-tab]").await?;
        // The worker pulls the case within seconds; the list refreshes
        // every 30 s, so come back to it until it shows.
        let deadline = Instant::now() + Duration::from_secs(60);
        while s.client.find(Locator::Css("[data-testid=case]")).await.is_err() {
            ensure!(Instant::now() < deadline, "the case did not reach the console");
            s.click("[data-testid=cases-back]").await?;
            tokio::time::sleep(Duration::from_millis(500)).await;
            s.click("[data-testid=cases-tab]").await?;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        s.wait_text("[data-testid=early-warning]", "Last 7 days: 1").await?;
        let due = s.wait_text("[data-testid=case-due]", "22:30").await?;
        ensure!(due.contains("Wed") && due.contains("25") && due.contains("4 h 0 min left"), "{due}");
        s.wait_text("[data-testid=case-owner]", "Nobody owns it yet").await?;
        // Escalated visibly: on the case and on the button wherever the agent is.
        s.wait_attr("[data-testid=case]", "data-urgency", "urgent").await?;
        s.wait_text("[data-testid=case-escalated]", "duty manager").await?;
        s.wait_attr("[data-testid=cases-tab]", "data-urgent", "1").await?;
        s.wait_text("[data-testid=cases-tab]", "1 need action now").await?;
        // Every station as central counts them, under the station's own list.
        s.wait_text("[data-testid=network-cases] tr[data-station=HKG]", "HKG").await?;
        s.snap_at("[data-testid=case]", "agent-cases-en").await?;
        s.press("[data-testid=case-open]").await?;
        s.press("[data-testid=case-take]").await?;
        s.wait_text("[data-testid=case-owner]", "Chan Ka Yan").await?;
        s.wait_attr("[data-testid=case]", "data-status", "open").await?;
        // Resolve with an apology and 2,000 miles: within an agent's limit.
        s.set_value("[data-testid=case-miles]", "2000").await?;
        s.set_value("[data-testid=case-note]", "Apologised; miles for the wait").await?;
        s.press("[data-testid=case-resolve]").await?;
        s.wait_attr("[data-testid=case]", "data-status", "resolved").await?;
        let given = s.wait_text("[data-testid=case-given]", "2,000").await?;
        ensure!(given.contains("Apology"), "{given}");
        s.snap_at("[data-testid=case]", "agent-case-resolved-en").await?;
        s.click("[data-testid=lang-zh-CN]").await?;
        s.wait_text("[data-testid=case-given]", "里程").await?;
        s.snap_at("[data-testid=case]", "agent-case-resolved-zh-CN").await?;
        s.click("[data-testid=lang-en]").await?;

        // The passenger view remembers it.
        s.click("[data-testid=cases-back]").await?;
        s.click("[data-testid=open-flight][data-flight=CZ342]").await?;
        s.press(&format!("[data-testid=priority-row][data-passenger='{}']", p.id)).await?;
        s.wait_text("[data-testid=pax-recovery]", "How the delay was handled").await?;
        s.wait_text("[data-testid=pax-recovery]", "Resolved").await?;
        s.snap_at("[data-testid=pax-recovery]", "agent-passenger-recovery-en").await?;

        // Central has every step, from both devices.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let kinds: Vec<String> = sqlx::query_scalar(
                "SELECT kind FROM feed_items WHERE kind LIKE 'case_%' ORDER BY server_seq",
            )
            .fetch_all(central.db.pool())
            .await?;
            if kinds == ["case_opened", "case_updated", "case_updated"] {
                break;
            }
            ensure!(Instant::now() < deadline, "central has {kinds:?}");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let summary = gatecare_figures::recovery::summary(
            &central.db,
            &gatecare_policy::Policy::default_policy().recovery,
            day,
            day,
            clock.now(),
        )
        .await?;
        ensure!(
            summary.stations.len() == 1 && summary.stations[0].opened == 1 && summary.stations[0].open == 0,
            "{summary:?}"
        );
        Ok(())
    })
    .await;
    s.finish(outcome).await;

    // 3. The passenger scans again at another kiosk and reads the outcome.
    // That kiosk's clock stays at the night of the flight (its passengers
    // are found then), so central's goes back with it: a new kiosk holds no
    // page yet, and pages must carry a time near its own.
    clock.set(chrono::DateTime::parse_from_rfc3339(NIGHT).unwrap().to_utc());
    let third = c.code().await;
    let (s, _) = Session::start_with(
        "kiosk-case-outcome",
        Launch { mode: "kiosk", language: "en" },
        Extra {
            now: Some(NIGHT),
            central: Some((served.url(), third)),
            device: Some("HKG-K02"),
            ..Extra::default()
        },
    )
    .await
    .expect("start kiosk");
    let outcome = bounded(async {
        s.wait_text("[data-testid=kiosk-welcome]", "Welcome").await?;
        // The new kiosk catches up with the station's feed within seconds.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let store = gatecare_station::Station::open(&s.db()).await?;
            let n: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM case_updates").fetch_one(store.pool()).await?;
            store.close().await;
            if n == 2 {
                break;
            }
            ensure!(Instant::now() < deadline, "the kiosk has {n} case updates");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        s.scan(&p.boarding_pass).await?;
        let shown = s.wait_text("[data-testid=kiosk-cases]", "resolved").await?;
        // Nothing printed yet at this kiosk: the complaint entry is there anyway.
        s.wait_text("[data-testid=complain]", "Something went wrong").await?;
        // The meal printed at the first kiosk is not offered again here.
        s.wait_text("[data-testid=entitlement][data-kind=meal][data-ordinal='1']", "another kiosk").await?;
        ensure!(shown.contains("2,000") && shown.contains("GC-"), "{shown}");
        s.snap_at("[data-testid=kiosk-cases]", "kiosk-case-outcome-en").await?;
        s.click("[data-testid=lang-zh-CN]").await?;
        s.wait_text("[data-testid=kiosk-cases]", "已解决").await?;
        s.snap_at("[data-testid=kiosk-cases]", "kiosk-case-outcome-zh-CN").await?;
        Ok(())
    })
    .await;
    s.finish(outcome).await;
}
