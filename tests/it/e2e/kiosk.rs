//! The passenger's kiosk: greeting, scan, print through CUPS, hotel,
//! enrolment and feedback, a failed printer, idle, privacy, accessibility.

use super::harness::*;

#[tokio::test]
async fn kiosk_mode_greets_passengers_in_chinese_first() {
    if !enabled() {
        return;
    }
    let s = Session::start("kiosk", Launch { mode: "kiosk", language: "zh-CN" }).await.expect("start app");
    let outcome = bounded(async {
        s.wait_text("[data-testid=kiosk-welcome]", "欢迎").await?;
        ensure!(s.text("main").await?.contains("请扫描您的登机牌"));
        // The kiosk shows no flights board and no staff controls.
        let rows = s.client.find_all(Locator::Css("[data-testid=flight-row]")).await?;
        ensure!(rows.is_empty(), "kiosk shows {} flight rows", rows.len());
        s.click("[data-testid=lang-en]").await?;
        s.wait_text("[data-testid=kiosk-welcome]", "Welcome").await?;
        ensure!(s.text("main").await?.contains("Scan your boarding pass"));
        // Larger text: the root font size grows, and every rem with it.
        let size = |c: &fantoccini::Client| {
            let c = c.clone();
            async move {
                let v = c
                    .execute(
                        "return parseFloat(getComputedStyle(document.documentElement).fontSize);",
                        vec![],
                    )
                    .await?;
                anyhow::Ok(v.as_f64().unwrap_or(0.0))
            }
        };
        let before = size(&s.client).await?;
        s.click("[data-testid=large-text]").await?;
        let after = size(&s.client).await?;
        ensure!(after >= before * 1.25, "font size {before} -> {after}");
        Ok(())
    })
    .await;
    s.finish(outcome).await;
}

#[tokio::test]
async fn kiosk_scan_shows_the_delay_and_prints_a_voucher_that_verifies() {
    if !enabled() {
        return;
    }
    crate::voucher::cups();
    let (s, day) = Session::start_with(
        "kiosk-print",
        Launch { mode: "kiosk", language: "en" },
        // A device name of its own: other kiosks of the run print
        // HKG-K01-000001 too, and cups-pdf names files by serial.
        Extra { now: Some(NIGHT), device: Some("HKG-K05"), ..Extra::default() },
    )
    .await
    .expect("start app");
    let p = a_cz342_passenger(&day);
    let outcome = bounded(async {
        s.wait_text("[data-testid=kiosk-welcome]", "Welcome").await?;
        // The scanner types the pass and Enter into the focused field.
        s.scan(&p.boarding_pass).await?;
        s.wait_text("[data-testid=kiosk-hello]", p.name.native.as_deref().unwrap_or_default()).await?;
        let status = s.text("[data-testid=kiosk-status]").await?;
        for expected in
            ["CZ342", "Kunming", "delayed by 14 h", "Technical fault", "03:30", "(next day)", "Next update"]
        {
            ensure!(status.contains(expected), "status {status:?} lacks {expected:?}");
        }
        let meals = s
            .client
            .find_all(Locator::Css("[data-testid=entitlement][data-kind=meal][data-due=true]"))
            .await?;
        ensure!(meals.len() == 2, "two meals owed by 22:30, saw {}", meals.len());
        s.click("[data-testid=print-meal-1]").await?;
        let done = s.wait_text_for("[data-testid=print-status]", "Printed", 90).await?;
        let serial = done
            .split_whitespace()
            .find(|w| w.starts_with("HKG-K05-"))
            .map(|w| w.trim_end_matches('.'))
            .unwrap_or_default()
            .to_owned();
        ensure!(!serial.is_empty(), "no serial in {done:?}");
        // The file the CUPS PDF printer wrote carries a QR that verifies.
        let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| "/root".into());
        let wanted = serial.replace('-', "_");
        let printed = std::fs::read_dir(home.join("PDF"))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().contains(&wanted))
            .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
            .ok_or_else(|| anyhow::anyhow!("cups-pdf wrote no file for {serial}"))?;
        let qr = crate::voucher::decode_qr(&printed);
        let store = gatecare_station::Station::open(&s.db()).await?;
        let public: String = sqlx::query_scalar("SELECT public_hex FROM device_keys WHERE kid = 'HKG-K05#1'")
            .fetch_one(store.pool())
            .await?;
        let root = ed25519_dalek::SigningKey::from_bytes(&[42u8; 32]);
        let now = chrono::DateTime::parse_from_rfc3339(NIGHT)?.to_utc();
        let mut trust = gatecare_voucher::trust::TrustList::new("TEST-ROOT", &root, now);
        let key = gatecare_voucher::trust::verifying_key(&public)
            .ok_or_else(|| anyhow::anyhow!("bad device key"))?;
        trust.certify(
            &root,
            "HKG-K05#1",
            &key,
            "HKG",
            now - chrono::Duration::days(1),
            now + chrono::Duration::days(1),
        );
        let v = gatecare_voucher::verify(&qr, &trust, &Default::default(), now);
        ensure!(v.valid, "printed voucher does not verify: {}", v.reason);
        ensure!(v.voucher.as_ref().is_some_and(|x| x.serial == serial), "{v:?}");
        // Pressing print again reprints the same voucher: nothing issued twice.
        s.click("[data-testid=print-meal-1]").await?;
        s.wait_text_for("[data-testid=print-status]", &serial, 90).await?;
        let issued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_events WHERE event = 'issued'")
            .fetch_one(store.pool())
            .await?;
        ensure!(issued == 1, "{issued} issued");
        Ok(())
    })
    .await;
    s.finish(outcome).await;
}

#[tokio::test]
async fn kiosk_wrong_pnr_is_explained_and_idle_clears_the_screen() {
    if !enabled() {
        return;
    }
    let (s, day) = Session::start_with(
        "kiosk-lookup",
        Launch { mode: "kiosk", language: "en" },
        Extra { now: Some(NIGHT), idle_seconds: Some(12), ..Extra::default() },
    )
    .await
    .expect("start app");
    let p = a_cz342_passenger(&day);
    let outcome = bounded(async {
        s.wait_text("[data-testid=kiosk-welcome]", "Welcome").await?;
        for k in "ZZZZZZ".chars() {
            s.click(&format!("[data-testid=key-{k}]")).await?;
        }
        s.click("[data-testid=surname-field]").await?;
        for k in "NOBODY".chars() {
            s.click(&format!("[data-testid=key-{k}]")).await?;
        }
        s.click("[data-testid=find-booking]").await?;
        s.wait_text("[data-testid=kiosk-error]", "could not find this booking").await?;
        s.click("[data-testid=lang-zh-CN]").await?;
        s.wait_text("[data-testid=kiosk-error]", "未找到").await?;
        s.click("[data-testid=lang-en]").await?;
        // Now the right booking, typed on the on-screen keyboard.
        for _ in 0..8 {
            s.click("[data-testid=key-delete]").await?;
        }
        s.click("[data-testid=pnr-field]").await?;
        for _ in 0..8 {
            s.click("[data-testid=key-delete]").await?;
        }
        for k in p.pnr.as_str().chars() {
            s.click(&format!("[data-testid=key-{k}]")).await?;
        }
        s.click("[data-testid=surname-field]").await?;
        for k in p.name.surname.chars() {
            s.click(&format!("[data-testid=key-{k}]")).await?;
        }
        s.click("[data-testid=find-booking]").await?;
        s.wait_text("[data-testid=kiosk-hello]", p.name.native.as_deref().unwrap_or_default()).await?;
        // Nobody touches the screen: it clears itself, and Rust forgets too.
        s.wait_text_for("[data-testid=kiosk-welcome]", "Welcome", 40).await?;
        let code = s.invoke("kiosk_view", serde_json::json!({})).await?;
        ensure!(code == "kiosk.no_session", "after idle: {code}");
        Ok(())
    })
    .await;
    s.finish(outcome).await;
}

#[tokio::test]
async fn kiosk_cannot_reach_other_passengers_even_by_calling_rust_directly() {
    if !enabled() {
        return;
    }
    let s =
        Session::start("kiosk-privacy", Launch { mode: "kiosk", language: "en" }).await.expect("start app");
    let outcome = bounded(async {
        s.wait_text("[data-testid=kiosk-welcome]", "Welcome").await?;
        // The kiosk's window is granted no agent command: the call is
        // refused by the window's capability before it reaches Rust (which
        // would refuse it too, `mode.forbidden`).
        let other = serde_json::json!({"passengerId": "P0001", "flightId": "CZ342-20261122"});
        let code = s.invoke("agent_passenger", other).await?;
        ensure!(refused_by_capability(&code), "agent_passenger from the kiosk: {code}");
        for command in ["agent_sign_in", "agent_flight", "sync_conflicts"] {
            let code = s.invoke(command, serde_json::json!({})).await?;
            ensure!(refused_by_capability(&code), "{command} from the kiosk: {code}");
        }
        let code = s.invoke("kiosk_view", serde_json::json!({})).await?;
        ensure!(code == "kiosk.no_session", "kiosk_view without a scan: {code}");
        let code = s.invoke("kiosk_print", serde_json::json!({"kind": "meal", "ordinal": 1})).await?;
        ensure!(code == "kiosk.no_session", "kiosk_print without a scan: {code}");
        // The station's complaint cases are the agents' only.
        let code = s.invoke("agent_cases", serde_json::json!({})).await?;
        ensure!(refused_by_capability(&code), "agent_cases from the kiosk: {code}");
        let code = s
            .invoke("agent_case_update", serde_json::json!({"req": {"case_id": "x", "action": "take"}}))
            .await?;
        ensure!(refused_by_capability(&code), "agent_case_update from the kiosk: {code}");
        let code =
            s.invoke("kiosk_complaint", serde_json::json!({"category": "other", "description": "x"})).await?;
        ensure!(code == "kiosk.no_session", "kiosk_complaint without a scan: {code}");
        // The screen a stranger's booking reference leads to, in both languages.
        for k in "ZZZZZZ".chars() {
            s.click(&format!("[data-testid=key-{k}]")).await?;
        }
        s.click("[data-testid=surname-field]").await?;
        for k in "NOBODY".chars() {
            s.click(&format!("[data-testid=key-{k}]")).await?;
        }
        s.click("[data-testid=find-booking]").await?;
        s.wait_text("[data-testid=kiosk-error]", "could not find this booking").await?;
        s.snap("kiosk-not-found-en").await?;
        s.click("[data-testid=lang-zh-CN]").await?;
        s.wait_text("[data-testid=kiosk-error]", "未找到").await?;
        s.snap("kiosk-not-found-zh-CN").await?;
        Ok(())
    })
    .await;
    s.finish(outcome).await;
}

#[tokio::test]
async fn kiosk_screens_have_no_serious_accessibility_violations() {
    if !enabled() {
        return;
    }
    let (s, day) = Session::start_with(
        "kiosk-axe",
        Launch { mode: "kiosk", language: "zh-CN" },
        Extra { now: Some(NIGHT), ..Extra::default() },
    )
    .await
    .expect("start app");
    let p = a_cz342_passenger(&day);
    let outcome = bounded(async {
        s.wait_text("[data-testid=kiosk-welcome]", "欢迎").await?;
        let mut found = Vec::new();
        for lang in ["zh-CN", "en"] {
            s.click(&format!("[data-testid=lang-{lang}]")).await?;
            s.snap(&format!("kiosk-welcome-{lang}")).await?;
            found.extend(s.axe().await?.into_iter().map(|v| format!("welcome {lang}: {v}")));
        }
        s.scan(&p.boarding_pass).await?;
        s.wait_text("[data-testid=kiosk-status]", "CZ342").await?;
        for lang in ["zh-CN", "en"] {
            s.click(&format!("[data-testid=lang-{lang}]")).await?;
            s.snap(&format!("kiosk-passenger-{lang}")).await?;
            found.extend(s.axe().await?.into_iter().map(|v| format!("passenger {lang}: {v}")));
        }
        ensure!(found.is_empty(), "axe-core found:\n{}", found.join("\n"));
        Ok(())
    })
    .await;
    s.finish(outcome).await;
}

#[tokio::test]
async fn kiosk_hotel_choice_takes_a_room_and_prints_the_hotel_voucher() {
    if !enabled() {
        return;
    }
    crate::voucher::cups();
    let (s, day) = Session::start_with(
        "kiosk-hotel",
        Launch { mode: "kiosk", language: "en" },
        Extra { now: Some(NIGHT), ..Extra::default() },
    )
    .await
    .expect("start app");
    let p = a_cz342_passenger(&day);
    let outcome = bounded(async {
        s.wait_text("[data-testid=kiosk-welcome]", "Welcome").await?;
        s.scan(&p.boarding_pass).await?;
        s.wait_text("[data-testid=kiosk-status]", "CZ342").await?;
        // An overnight 14-hour delay: the hotel is owed by 22:30.
        s.click("[data-testid=choose-hotel]").await?;
        let list = s.wait_text("[data-testid=hotel-list]", "rooms left").await?;
        s.snap_at("[data-testid=hotel-list]", "kiosk-hotels-en").await?;
        s.click("[data-testid=lang-zh-CN]").await?;
        s.snap_at("[data-testid=hotel-list]", "kiosk-hotels-zh-CN").await?;
        s.click("[data-testid=lang-en]").await?;
        ensure!(list.contains("Regal Airport Hotel") || list.contains("Marriott"), "{list}");
        let store = gatecare_station::Station::open(&s.db()).await?;
        let before: i64 =
            sqlx::query_scalar("SELECT SUM(rooms_left) FROM hotel_blocks").fetch_one(store.pool()).await?;
        s.click("[data-testid=hotel-choose]").await?;
        s.wait_text_for("[data-testid=print-status]", "Printed", 90).await?;
        let after: i64 =
            sqlx::query_scalar("SELECT SUM(rooms_left) FROM hotel_blocks").fetch_one(store.pool()).await?;
        ensure!(after == before - 1, "rooms {before} -> {after}");
        let kind: String = sqlx::query_scalar("SELECT kind FROM ledger_events WHERE event = 'issued'")
            .fetch_one(store.pool())
            .await?;
        ensure!(kind == "hotel", "{kind}");
        // The hotel now shows as issued: printing again is a reprint.
        s.wait_text("[data-testid=entitlement][data-kind=hotel]", "Print it again").await?;
        Ok(())
    })
    .await;
    s.finish(outcome).await;
}

#[tokio::test]
async fn kiosk_offers_enrolment_and_takes_one_tap_feedback() {
    if !enabled() {
        return;
    }
    crate::voucher::cups();
    // A real central (embedded SQLite) the kiosk is enrolled with.
    let c = E2eCentral::start().await;
    let code = c.code().await;
    let (central, served) = (c.central.clone(), c.served);
    let (s, day) = Session::start_with(
        "kiosk-enrol",
        Launch { mode: "kiosk", language: "en" },
        Extra { now: Some(NIGHT), central: Some((served.url(), code)), ..Extra::default() },
    )
    .await
    .expect("start app");
    let f = day.flights.iter().find(|f| f.designator.to_string() == "CZ342").expect("CZ342");
    let p = day
        .passengers
        .iter()
        .find(|p| p.flight_id == f.id && p.group.is_none() && p.loyalty.is_none() && p.needs.is_empty())
        .expect("a passenger who is not a member")
        .clone();
    let outcome = bounded(async {
        s.wait_text("[data-testid=kiosk-welcome]", "Welcome").await?;
        s.scan(&p.boarding_pass).await?;
        s.wait_text("[data-testid=enrol]", "Join our frequent-flyer programme").await?;
        s.snap_at("[data-testid=enrol]", "kiosk-enrol-en").await?;
        s.click("[data-testid=lang-zh-CN]").await?;
        s.wait_text("[data-testid=enrol]", "常旅客").await?;
        s.snap_at("[data-testid=enrol]", "kiosk-enrol-zh-CN").await?;
        s.click("[data-testid=lang-en]").await?;
        s.wait_text("[data-testid=enrol]", "Join our frequent-flyer programme").await?;
        // Without consent: refused, nothing stored.
        for d in "85291234567".chars() {
            s.click(&format!("[data-testid=digit-{d}]")).await?;
        }
        s.click("[data-testid=enrol-join]").await?;
        s.wait_text("[data-testid=enrol]", "tick the box").await?;
        s.click("[data-testid=enrol-consent]").await?;
        s.click("[data-testid=enrol-join]").await?;
        let done = s.wait_text("[data-testid=enrol-done]", "Your number").await?;
        s.snap_at("[data-testid=enrol]", "kiosk-enrolled-en").await?;
        s.click("[data-testid=lang-zh-CN]").await?;
        s.snap_at("[data-testid=enrol]", "kiosk-enrolled-zh-CN").await?;
        s.click("[data-testid=lang-en]").await?;
        let number = done.split_whitespace().last().unwrap_or_default().to_owned();
        ensure!(number.starts_with("CZP"), "{done}");
        // Care, then the one-tap question.
        s.click("[data-testid=print-meal-1]").await?;
        s.wait_text_for("[data-testid=print-status]", "Printed", 90).await?;
        // Take it on your phone: the code is the link to central's page for
        // this voucher, its QR text in the fragment.
        s.wait_text("[data-testid=phone]", "Take it on your phone").await?;
        let link = s.read_qr("[data-testid=phone-qr]", "kiosk-phone").await?;
        ensure!(
            link.starts_with(&format!("{}/pass/?st=HKG&tz=Asia/Hong_Kong#GC1:", served.url())),
            "{link:?}"
        );
        s.snap_at("[data-testid=print-status]", "kiosk-printed-feedback-en").await?;
        s.click("[data-testid=lang-zh-CN]").await?;
        s.wait_text("[data-testid=phone]", "存到手机").await?;
        s.snap_at("[data-testid=print-status]", "kiosk-printed-feedback-zh-CN").await?;
        s.click("[data-testid=lang-en]").await?;
        s.click("[data-testid=feedback-5]").await?;
        s.wait_text("[data-testid=feedback-thanks]", "Thank you").await?;
        s.snap_at("[data-testid=feedback-thanks]", "kiosk-feedback-thanks-en").await?;
        s.click("[data-testid=lang-zh-CN]").await?;
        s.snap_at("[data-testid=feedback-thanks]", "kiosk-feedback-thanks-zh-CN").await?;
        let store = gatecare_station::Station::open(&s.db()).await?;
        let ff: Option<String> =
            sqlx::query_scalar("SELECT ff_number FROM loyalty_profiles WHERE passenger_id = ?")
                .bind(p.id.to_string())
                .fetch_one(store.pool())
                .await?;
        ensure!(ff.as_deref() == Some(number.as_str()), "{ff:?} vs {number}");
        let score: i64 = sqlx::query_scalar("SELECT score FROM feedback").fetch_one(store.pool()).await?;
        ensure!(score == 5);
        // Both travel to central through the sync log.
        let kinds: Vec<String> =
            sqlx::query_scalar("SELECT kind FROM sync_events ORDER BY seq").fetch_all(store.pool()).await?;
        ensure!(
            kinds.contains(&"enrolment".to_string()) && kinds.contains(&"feedback".to_string()),
            "{kinds:?}"
        );
        // … and arrive: the worker ships the log within seconds.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let at_central: Vec<String> =
                sqlx::query_scalar("SELECT kind FROM feed_items WHERE kind IS NOT NULL ORDER BY server_seq")
                    .fetch_all(central.db.pool())
                    .await?;
            if at_central == kinds {
                break;
            }
            ensure!(Instant::now() < deadline, "central has {at_central:?}, the kiosk logged {kinds:?}");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        s.click("[data-testid=lang-en]").await?;
        s.wait_attr("[data-testid=sync-badge]", "data-state", "online").await?;
        s.snap_at("[data-testid=sync-badge]", "kiosk-sync-online-en").await?;
        s.click("[data-testid=lang-zh-CN]").await?;
        s.wait_text("[data-testid=sync-badge]", "在线").await?;
        s.snap_at("[data-testid=sync-badge]", "kiosk-sync-online-zh-CN").await?;
        // Central goes away: the badge says so; the kiosk keeps working.
        drop(served);
        s.wait_attr("[data-testid=sync-badge]", "data-state", "offline").await?;
        s.wait_text("[data-testid=sync-badge]", "离线").await?;
        s.snap_at("[data-testid=sync-badge]", "kiosk-sync-offline-zh-CN").await?;
        s.click("[data-testid=lang-en]").await?;
        s.snap_at("[data-testid=sync-badge]", "kiosk-sync-offline-en").await?;
        Ok(())
    })
    .await;
    s.finish(outcome).await;
}

#[tokio::test]
async fn a_failed_printer_leaves_a_valid_voucher_and_shows_its_qr() {
    if !enabled() {
        return;
    }
    // Enrolled with a real central: the phone is the passenger's copy
    // when the paper fails.
    let c = E2eCentral::start().await;
    let code = c.code().await;
    let (s, day) = Session::start_with(
        "kiosk-printer-down",
        Launch { mode: "kiosk", language: "zh-CN" },
        Extra {
            now: Some(NIGHT),
            printer: Some("NoSuchQueue"),
            central: Some((c.served.url(), code)),
            ..Extra::default()
        },
    )
    .await
    .expect("start app");
    let p = a_cz342_passenger(&day);
    let outcome = bounded(async {
        s.wait_text("[data-testid=kiosk-welcome]", "欢迎").await?;
        s.scan(&p.boarding_pass).await?;
        s.wait_text("[data-testid=kiosk-status]", "CZ342").await?;
        s.click("[data-testid=print-meal-1]").await?;
        s.wait_text_for("[data-testid=print-failed]", "打印机暂时无法使用", 60).await?;
        ensure!(
            s.client.find(Locator::Css("[data-testid=print-failed] svg")).await.is_ok(),
            "no QR on screen"
        );
        s.snap_at("[data-testid=print-failed]", "kiosk-printer-down-zh-CN").await?;
        // No paper: the screen offers the voucher on the passenger's phone.
        s.wait_text("[data-testid=phone]", "存到手机").await?;
        let link = s.read_qr("[data-testid=phone-qr]", "kiosk-printer-down-phone").await?;
        ensure!(
            link.starts_with(&format!("{}/pass/?st=HKG&tz=Asia/Hong_Kong#GC1:", c.served.url())),
            "{link:?}"
        );
        s.snap_at("[data-testid=phone]", "kiosk-printer-down-phone-zh-CN").await?;
        s.click("[data-testid=lang-en]").await?;
        s.wait_text("[data-testid=print-failed]", "The printer is not working").await?;
        s.wait_text("[data-testid=phone]", "Take it on your phone").await?;
        s.snap_at("[data-testid=print-failed]", "kiosk-printer-down-en").await?;
        s.snap_at("[data-testid=phone]", "kiosk-printer-down-phone-en").await?;
        // The voucher was issued once and the failure journalled.
        let store = gatecare_station::Station::open(&s.db()).await?;
        let states: Vec<String> = sqlx::query_scalar("SELECT state FROM print_journal ORDER BY seq")
            .fetch_all(store.pool())
            .await?;
        ensure!(states == ["queued", "failed"], "{states:?}");
        Ok(())
    })
    .await;
    s.finish(outcome).await;
}

/// Tauri's refusal of a command the window's capability does not grant
/// (`Command … not allowed by ACL` or `… not allowed on window …`), as
/// opposed to Rust's own codes such as `mode.forbidden`.
fn refused_by_capability(code: &str) -> bool {
    code.contains("not allowed")
}
