//! One station's devices acting as one, and a cancelled flight read the
//! same at the console and the kiosk.

use super::harness::*;

/// A cancellation at 22:30 with next-morning re-routing, at the console and
/// at the kiosk, read in both languages (screenshots for docs/screens).
#[tokio::test]
async fn a_cancelled_flight_reads_as_cancelled_at_the_console_and_the_kiosk() {
    if !enabled() {
        return;
    }
    let (s, day) = Session::start_with(
        "agent-cancellation",
        Launch { mode: "agent", language: "en" },
        Extra { now: Some(NIGHT), ..Extra::default() },
    )
    .await
    .expect("start app");
    let outcome = bounded(async {
        s.sign_in("A1001", "246810").await?;
        s.click("[data-testid=open-flight][data-flight=CZ342]").await?;
        s.wait_text("[data-testid=flight-title]", "CZ342 to Kunming").await?;
        s.client
            .find(Locator::Css("[data-testid=disruption-kind]"))
            .await?
            .select_by_value("cancellation")
            .await?;
        s.set_value("[data-testid=disruption-cause]", "41").await?;
        s.set_value("[data-testid=reroute-flight]", "CZ3402").await?;
        s.set_value("[data-testid=reroute-departure]", "2026-11-23T09:15").await?;
        s.click("[data-testid=disruption-save]").await?;
        s.wait_text("[data-testid=flight-reroute]", "CZ3402").await?;
        let header = s.text("[data-testid=flight-cancelled]").await?;
        ensure!(header.contains("Cancelled"), "{header}");
        let en = s.wait_text("[data-testid=announcement-en]", "cancelled").await?;
        ensure!(en.contains("CZ3402, departing at 09:15 tomorrow"), "{en}");
        ensure!(s.text("[data-testid=timeline]").await?.contains("Hotel"), "a hotel on the timeline");
        s.client.execute("window.scrollTo(0, 0); return true;", vec![]).await?;
        s.snap("agent-cancelled-en").await?;
        s.click("[data-testid=lang-zh-CN]").await?;
        s.wait_text("[data-testid=flight-cancelled]", "取消").await?;
        s.wait_text("[data-testid=flight-reroute]", "改签至 CZ3402").await?;
        s.client.execute("window.scrollTo(0, 0); return true;", vec![]).await?;
        s.snap("agent-cancelled-zh-CN").await?;
        Ok(())
    })
    .await;
    s.finish(outcome).await;

    crate::voucher::cups();
    // A debug build renders the CJK notice slowly on a loaded machine: the
    // kiosk must not go idle while it prints.
    let (k, _) = Session::start_with(
        "kiosk-cancellation",
        Launch { mode: "kiosk", language: "en" },
        Extra { now: Some(NIGHT), idle_seconds: Some(300), ..Extra::default() },
    )
    .await
    .expect("start kiosk");
    let p = a_cz342_passenger(&day);
    let outcome = bounded(async {
        // The console's record, as the feed would bring it.
        let store = gatecare_station::Station::open(&k.db()).await?;
        let night = chrono::DateTime::parse_from_rfc3339(NIGHT)?.to_utc();
        let agent = store
            .verify_pin("A1001", "246810", night, gatecare_station::LockoutPolicy::default())
            .await?
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let entry = gatecare_station::console::DisruptionEntry {
            kind: gatecare_station::console::EntryKind::Cancellation,
            cause: "41".into(),
            expected_departure: None,
            delay_minutes: None,
            causes: None,
            departure_local: Some("2026-11-23T09:15:00".parse()?),
            reroute_flight: Some("CZ3402".into()),
        };
        store.record_disruption(&p.flight_id.to_string(), &entry, &agent, "HKG-C01", night).await?;
        store.close().await;
        k.wait_text("[data-testid=kiosk-welcome]", "Welcome").await?;
        k.scan(&p.boarding_pass).await?;
        let status = k.wait_text("[data-testid=kiosk-status]", "cancelled").await?;
        ensure!(status.contains("rebooked on flight CZ3402, departing at 09:15 (next day)"), "{status}");
        ensure!(
            k.client
                .find_all(Locator::Css("[data-testid=entitlement][data-kind=hotel][data-due=true]"))
                .await?
                .len()
                == 1,
            "a hotel is owed at once"
        );
        k.snap("kiosk-cancelled-en").await?;
        // The written notice of rights prints on the kiosk's printer (real CUPS).
        k.press("[data-testid=kiosk-rights-print]").await?;
        k.wait_text_for("[data-testid=kiosk-rights-printed]", "Printed", 60).await?;
        k.click("[data-testid=lang-zh-CN]").await?;
        let zh = k.wait_text("[data-testid=kiosk-status]", "已取消").await?;
        ensure!(zh.contains("改签至 CZ3402") && zh.contains("（次日）"), "{zh}");
        k.snap("kiosk-cancelled-zh-CN").await?;
        Ok(())
    })
    .await;
    k.finish(outcome).await;
}

/// One station, two devices (issue #21): a kiosk prints a passenger's meal
/// and sends an unaccompanied minor to staff; the gate console shows the
/// kiosk's voucher in the passenger view (marked with the kiosk) and the
/// minor's request at the top, issues meals to everyone else in bulk,
/// prints, reprints, voids with a reason and issues a replacement, and its
/// disruption form reopens with what was recorded.
#[tokio::test]
async fn a_kiosk_and_a_console_act_as_one_station() {
    if !enabled() {
        return;
    }
    crate::voucher::cups();
    // A queue of its own: another test's whole flight never holds up these jobs.
    crate::voucher::cups_queue(STATION_QUEUE);
    let c = E2eCentral::start().await;
    let (central, served) = (c.central.clone(), &c.served);
    let kiosk_code = c.code().await;
    let console_code = c.code_for(gatecare_sync::DeviceRole::Console).await;

    // 1. The kiosk: an adult prints a meal; a child travelling alone is
    // told staff are coming and prints nothing.
    let (s, day) = Session::start_with(
        "station-kiosk",
        Launch { mode: "kiosk", language: "en" },
        Extra { now: Some(NIGHT), central: Some((served.url(), kiosk_code)), ..Extra::default() },
    )
    .await
    .expect("start kiosk");
    let f = day.flights.iter().find(|f| f.designator.to_string() == "CZ342").expect("CZ342").clone();
    let on_flight = || day.passengers.iter().filter(|p| p.flight_id == f.id);
    let adult = on_flight()
        .find(|p| p.group.is_none() && p.needs.is_empty() && p.birth_year < 1990)
        .expect("an adult without special needs")
        .clone();
    let minor = on_flight()
        .find(|p| p.needs.contains(&gatecare_core::SpecialNeed::UnaccompaniedMinor))
        .expect("an unaccompanied minor")
        .clone();
    let outcome = bounded(async {
        s.wait_text("[data-testid=kiosk-welcome]", "Welcome").await?;
        // A short scan of junk is said to be no boarding pass.
        s.scan("\u{1F600}\u{1F389}xx").await?;
        s.wait_attr("[data-testid=kiosk-error]", "data-code", "kiosk.not_a_pass").await?;
        s.scan(&adult.boarding_pass).await?;
        s.click("[data-testid=print-meal-1]").await?;
        s.wait_text_for("[data-testid=print-status]", "Printed", 90).await?;
        s.click("[data-testid=kiosk-finish]").await?;
        s.wait_text("[data-testid=kiosk-welcome]", "Welcome").await?;
        s.scan(&minor.boarding_pass).await?;
        s.wait_text("[data-testid=kiosk-staff-coming]", "staff is on the way").await?;
        ensure!(
            s.client.find(Locator::Css("[data-testid=print-meal-1]")).await.is_err(),
            "the kiosk offers a child travelling alone a print of her own"
        );
        s.snap("kiosk-minor-en").await?;
        s.click("[data-testid=lang-zh-CN]").await?;
        s.wait_text("[data-testid=kiosk-staff-coming]", "工作人员").await?;
        s.snap("kiosk-minor-zh-CN").await?;
        // Both reach central.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let kinds: Vec<String> = sqlx::query_scalar(
                "SELECT kind FROM feed_items WHERE kind IN ('issued', 'staff_requested') ORDER BY server_seq",
            )
            .fetch_all(central.db.pool())
            .await?;
            if kinds == ["issued", "staff_requested"] {
                break;
            }
            ensure!(Instant::now() < deadline, "central has {kinds:?}");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        Ok(())
    })
    .await;
    s.finish(outcome).await;

    // 2. The gate console of the same station.
    let (s, _) = Session::start_with(
        "station-console",
        Launch { mode: "agent", language: "en" },
        Extra {
            now: Some(NIGHT),
            central: Some((served.url(), console_code)),
            device: Some("HKG-G01"),
            printer: Some(STATION_QUEUE),
            // Phones reach central by another name than the station's devices.
            pass_url: Some(served.url().replace("127.0.0.1", "localhost")),
            ..Extra::default()
        },
    )
    .await
    .expect("start console");
    let value = |css: &'static str| {
        let client = s.client.clone();
        async move {
            let v = client
                .execute("return document.querySelector(arguments[0]).value;", vec![css.into()])
                .await?;
            anyhow::Ok(v.as_str().unwrap_or_default().to_owned())
        }
    };
    let outcome = bounded(async {
        // The console catches up with the station's feed within seconds.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let store = gatecare_station::Station::open(&s.db()).await?;
            let n: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM remote_vouchers").fetch_one(store.pool()).await?;
            store.close().await;
            if n == 1 {
                break;
            }
            ensure!(Instant::now() < deadline, "the console has {n} vouchers of other devices");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        s.sign_in("A1001", "246810").await?;
        s.click("[data-testid=open-flight][data-flight=CZ342]").await?;
        s.wait_text("[data-testid=flight-title]", "CZ342").await?;
        // The child's request is at the top, with her place in the queue.
        let request = s.wait_text("[data-testid=staff-requests]", &minor.name.surname).await?;
        ensure!(request.contains("No. "), "{request}");

        // A search that finds nobody says so.
        s.set_value("[data-testid=priority-search]", "Nobodyhere").await?;
        s.wait_text("[data-testid=priority-none]", "No passenger on this flight matches").await?;
        s.set_value("[data-testid=priority-search]", "").await?;

        // The adult's panel: the kiosk's meal, marked with the kiosk, not offered again.
        s.press(&format!("[data-testid=priority-row][data-passenger='{}']", adult.id)).await?;
        s.wait_text("[data-testid=held-meal-1]", "HKG-K01").await?;
        s.wait_attr("[data-testid=pax-vouchers] li[data-kind=meal]", "data-device", "HKG-K01").await?;
        ensure!(
            s.client.find(Locator::Css("[data-testid=issue-meal-1]")).await.is_err(),
            "meal offered again"
        );
        s.snap_at("[data-testid=pax-vouchers]", "agent-passenger-kiosk-voucher-en").await?;
        // The panel covers the header: the switch is pressed as a tap ends.
        s.press("[data-testid=lang-zh-CN]").await?;
        s.wait_text("[data-testid=held-meal-1]", "已由 HKG-K01 发放").await?;
        s.snap_at("[data-testid=pax-vouchers]", "agent-passenger-kiosk-voucher-zh-CN").await?;
        s.press("[data-testid=lang-en]").await?;
        s.press("[data-testid=pax-close]").await?;
        s.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("[data-testid=bulk-meals]"))
            .await?;
        ensure!(
            s.client.find(Locator::Css("[data-testid=passenger-panel]")).await.is_err(),
            "the panel stays open"
        );

        // Bulk for the adult and two others ticked: the kiosk's meal is
        // counted, not stalled on, and the batch prints as one job.
        let others: Vec<_> = on_flight()
            .filter(|p| p.id != adult.id && p.group.is_none() && p.needs.is_empty())
            .take(2)
            .cloned()
            .collect();
        for p in [&adult, &others[0], &others[1]] {
            s.press(&format!("li:has(> button[data-passenger='{}']) input[data-testid=priority-tick]", p.id))
                .await?;
        }
        s.press("[data-testid=bulk-selected]").await?;
        let summary = s.wait_text_for("[data-testid=bulk-summary]", "issued", 120).await?;
        ensure!(summary.contains("1 issued on another device"), "{summary}");
        s.wait_text_for("[data-testid=bulk-printed]", "Printed as one job", 120).await?;

        // Another passenger: reprint, void with a reason, replace.
        let other = &others[0];
        s.press(&format!("[data-testid=priority-row][data-passenger='{}']", other.id)).await?;
        s.wait_text("[data-testid=held-meal-1]", "HKG-G01-").await?;
        s.press("[data-testid=pax-reprint]").await?;
        s.wait_text_for("[data-testid=pax-notice]", "again", 60).await?;
        s.press("[data-testid=pax-void]").await?;
        // Blank words are refused beside the field.
        s.set_value("[data-testid=pax-void-reason]", "   ").await?;
        s.press("[data-testid=pax-void-confirm]").await?;
        s.wait_attr("[data-testid=pax-void-error]", "data-code", "void.reason_required").await?;
        s.set_value("[data-testid=pax-void-reason]", "Torn at the noodle bar").await?;
        s.press("[data-testid=pax-void-confirm]").await?;
        s.wait_text("[data-testid=pax-notice]", "replacement").await?;
        s.wait_text("[data-testid=pax-vouchers]", "Torn at the noodle bar").await?;
        s.press("[data-testid=replace-meal-1]").await?;
        s.wait_text_for("[data-testid=pax-notice]", "Printed", 60).await?;
        s.wait_text("[data-testid=pax-vouchers]", "replaces").await?;
        // The passenger in front of the agent takes it on their phone too.
        s.press("[data-testid=pax-phone-offer]").await?;
        let link = s.read_qr("[data-testid=pax-phone-qr]", "console-phone").await?;
        let phones = served.url().replace("127.0.0.1", "localhost");
        ensure!(link.starts_with(&format!("{phones}/pass/?st=HKG&tz=Asia/Hong_Kong#GC1:")), "{link:?}");
        s.snap_at("[data-testid=pax-phone]", "agent-passenger-phone-en").await?;
        s.snap_at("[data-testid=pax-vouchers]", "agent-passenger-replacement-en").await?;
        s.press("[data-testid=pax-close]").await?;

        // The disruption form opens on the record; a change is shown before it is saved.
        s.set_value("[data-testid=disruption-cause]", "41").await?;
        s.set_value("[data-testid=disruption-hours]", "5").await?;
        s.set_value("[data-testid=disruption-minutes]", "30").await?;
        // The new departure is Rust's (agent_delay_preview), not added up on the screen.
        let change = s.wait_text("[data-testid=disruption-change]", "5 h 30 min (Nov 22, 19:00)").await?;
        ensure!(change.contains("IATA 41"), "{change}");
        s.snap_at("[data-testid=disruption-form]", "agent-disruption-change-en").await?;
        s.click("[data-testid=disruption-save]").await?;
        s.wait_text("[data-testid=disruption-saved]", "within 30 minutes").await?;
        s.wait_text("[data-testid=disruption-history]", "IATA 41").await?;
        s.click("[data-testid=back]").await?;
        s.click("[data-testid=open-flight][data-flight=CZ342]").await?;
        s.wait_text("[data-testid=flight-title]", "CZ342").await?;
        s.wait_text("[data-testid=disruption-save]", "Nothing to change").await?;
        let reopened = (
            value("[data-testid=disruption-cause]").await?,
            value("[data-testid=disruption-hours]").await?,
            value("[data-testid=disruption-minutes]").await?,
        );
        ensure!(reopened == ("41".into(), "5".into(), "30".into()), "{reopened:?}");

        // Several causes with their minutes: 4 h of the defect, 1 h 30 of ATC.
        s.press("[data-testid=cause-part-add]").await?;
        s.press("[data-testid=cause-part-add]").await?;
        let set_part = |i: usize, code: &'static str, minutes: &'static str| {
            let client = s.client.clone();
            async move {
                client
                    .execute(
                        "const codes = document.querySelectorAll('[data-testid=cause-part-code]'); \
                         const mins = document.querySelectorAll('[data-testid=cause-part-minutes]'); \
                         for (const [el, v] of [[codes[arguments[0]], arguments[1]], [mins[arguments[0]], arguments[2]]]) { \
                           el.value = v; el.dispatchEvent(new Event('input', { bubbles: true })); } return true;",
                        vec![i.into(), code.into(), minutes.into()],
                    )
                    .await?;
                anyhow::Ok(())
            }
        };
        set_part(0, "41", "240").await?;
        set_part(1, "81", "90").await?;
        let change = s.wait_text("[data-testid=disruption-change]", "IATA 81").await?;
        ensure!(change.contains("IATA 41 4 h"), "{change}");
        s.snap_at("[data-testid=disruption-form]", "agent-disruption-causes-en").await?;
        s.press("[data-testid=disruption-save]").await?;
        // Saved at the same instant as the record before (the test's clock
        // stands still): the history lists both, and the form reads as saved.
        s.wait_text("[data-testid=disruption-save]", "Nothing to change").await?;
        s.press("[data-testid=lang-zh-CN]").await?;
        s.wait_text("[data-testid=cause-part-add]", "添加原因").await?;
        s.snap_at("[data-testid=disruption-form]", "agent-disruption-causes-zh-CN").await?;
        s.press("[data-testid=lang-en]").await?;
        let store = gatecare_station::Station::open(&s.db()).await?;
        let causes: Option<String> = sqlx::query_scalar(
            "SELECT causes FROM disruption_updates ORDER BY recorded_at DESC, rowid DESC LIMIT 1",
        )
        .fetch_one(store.pool())
        .await?;
        store.close().await;
        ensure!(causes.as_deref().is_some_and(|c| c.contains("\"81\"") && c.contains("240")), "{causes:?}");

        // Central took the replacement as a replacement.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let t = gatecare_server_database::Database::totals(&central.db).await?;
            let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM feed_items WHERE kind = 'voided'")
                .fetch_one(central.db.pool())
                .await?;
            if events == 1 {
                ensure!(t.conflicts == 0, "central saw a double issuance: {t:?}");
                break;
            }
            ensure!(Instant::now() < deadline, "central has no void yet");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }

        // IT revokes this console at central: its badge says so, in both languages.
        let console_id = gatecare_server_database::Database::devices(&central.db)
            .await?
            .into_iter()
            .find(|d| d.name == "HKG-G01")
            .context("the console at central")?
            .id;
        let at = c.clock.now();
        gatecare_server::trust::revoke(&central, console_id, at, at).await?.context("revoked")?;
        s.wait_text_for("[data-testid=sync-device-revoked]", "Revoked at central", 60).await?;
        s.snap_at("[data-testid=sync-badge]", "agent-sync-revoked-en").await?;
        s.press("[data-testid=lang-zh-CN]").await?;
        s.wait_text("[data-testid=sync-device-revoked]", "本机已被中央系统停用").await?;
        s.snap_at("[data-testid=sync-badge]", "agent-sync-revoked-zh-CN").await?;
        s.press("[data-testid=lang-en]").await?;
        Ok(())
    })
    .await;
    s.finish(outcome).await;

    // 3. A console whose printer is missing: the voucher is issued, the QR
    // is on the screen, and printing again is offered.
    let (s, day) = Session::start_with(
        "console-no-printer",
        Launch { mode: "agent", language: "en" },
        Extra {
            now: Some(NIGHT),
            printer: Some("NoSuchPrinter"),
            device: Some("HKG-G02"),
            ..Extra::default()
        },
    )
    .await
    .expect("start console");
    let p = day
        .passengers
        .iter()
        .find(|p| p.flight_id == f.id && p.group.is_none() && p.needs.is_empty())
        .expect("a passenger")
        .clone();
    let outcome = bounded(async {
        s.sign_in("A1001", "246810").await?;
        s.click("[data-testid=open-flight][data-flight=CZ342]").await?;
        s.press(&format!("[data-testid=priority-row][data-passenger='{}']", p.id)).await?;
        s.press("[data-testid=issue-meal-1]").await?;
        let failed = s.wait_text_for("[data-testid=pax-print-failed]", "did not print", 60).await?;
        ensure!(failed.contains("HKG-G02-000001") && failed.contains("valid"), "{failed}");
        s.client.find(Locator::Css("[data-testid=pax-qr] svg")).await.context("the QR on the screen")?;
        s.snap_at("[data-testid=pax-print-failed]", "agent-print-failed-en").await?;
        s.press("[data-testid=pax-print-again]").await?;
        s.wait_text_for("[data-testid=pax-print-failed]", "did not print", 60).await?;
        Ok(())
    })
    .await;
    s.finish(outcome).await;
}
