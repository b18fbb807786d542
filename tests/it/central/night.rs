//! A real night on production's path: a Lufthansa flight HKG→FRA at 23:45,
//! cancelled for a technical fault and re-routed on the next day's flight,
//! at a station whose console and kiosk know only what central sent them,
//! with central on a clock that has sub-second instants.

use chrono::{DateTime, Duration, Utc};
use gatecare_care::CareKind;
use gatecare_central::{agents, devices, station_data};
use gatecare_kiosk::{Kiosk, KioskPick, KioskSession};
use gatecare_link::{CentralClient, enrol_with_central, sync_once};
use gatecare_policy::Policy;
use gatecare_print::vouchers::PrintDesk;
use gatecare_print::{FakePrinter, Printer};
use gatecare_server::{enrolment, trust};
use gatecare_server_database::Database;
use gatecare_station::console::DisruptionEntry;
use gatecare_station::{LockoutPolicy, Station};
use gatecare_store::central::Enrolment;
use gatecare_sync::DeviceRole;
use gatecare_voucher::trust::VoidList;

use super::harness::{self, TestClock, central, on_both_backends, serve};

/// 23:45 in Hong Kong on 22 November.
fn scheduled() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-22T15:45:00Z").unwrap().to_utc()
}

/// A device with an empty store, enrolled like a real one.
struct Device {
    store: Station,
    enrolment: Enrolment,
    code: &'static str,
    _dir: tempfile::TempDir,
}

impl Device {
    async fn enrol<D: Database>(
        c: &gatecare_server::Central<D>,
        url: &str,
        code: &'static str,
        role: DeviceRole,
    ) -> Device {
        let dir = tempfile::tempdir().unwrap();
        let store = Station::open(&dir.path().join("store.sqlite")).await.unwrap();
        let one_time =
            enrolment::issue_enrolment_code(&c.db, "HKG", role, Duration::hours(1), c.now()).await.unwrap();
        let enrolment =
            enrol_with_central(&store, url, &one_time, &harness::root_fingerprint(), code, c.now())
                .await
                .unwrap();
        Device { store, enrolment, code, _dir: dir }
    }

    async fn sync(&self, now: DateTime<Utc>) {
        let client = CentralClient::for_enrolment(&self.enrolment).unwrap();
        while sync_once(&self.store, &client, &self.enrolment, self.code, now).await.unwrap().more {}
    }
}

/// The airline's station data: LH 797 with eight passengers (a family of
/// three on one booking, a wheelchair passenger) and two hotel blocks.
fn station_data() -> (gatecare_sync::station::StationData, uuid::Uuid) {
    let day = crate::support::small_day(0);
    let cz342 = day.flights.iter().find(|f| f.designator.to_string() == "CZ342").unwrap();
    let mut data = gatecare_demo::station::station_data(&day, &[cz342.id]);
    let flight = uuid::Uuid::now_v7();
    let f = &mut data.flights[0];
    (f.id, f.carrier, f.number, f.destination) = (flight, "LH".into(), "797".into(), "FRA".into());
    (f.scheduled_departure, f.scheduled_arrival) = (scheduled(), scheduled() + Duration::hours(12));
    // The agent records tonight's cancellation; the demo's CZ342 delay is not ours.
    data.disruptions.clear();
    data.bookings.truncate(8);
    let family = data.bookings[0].pnr.clone();
    for (i, b) in data.bookings.iter_mut().enumerate() {
        b.flight_id = flight;
        b.boarding_pass = None;
        b.needs.clear();
        // The family shares one booking; everyone else has a booking of their own.
        b.pnr = if i < 3 { family.clone() } else { format!("NGT{i:03}") };
    }
    data.bookings[5].needs = vec!["wheelchair".into()];
    data.bookings[4].needs = vec!["unaccompanied_minor".into()];
    data.bookings[4].birth_year = Some(2015);
    // The family: an adult, her 10-year-old, and an adult of another name.
    data.bookings[0].birth_year = Some(1984);
    data.bookings[1].birth_year = Some(2016);
    data.bookings[2].birth_year = Some(1979);
    data.bookings[2].surname = format!("{}X", data.bookings[0].surname);
    let kept: Vec<uuid::Uuid> = data.bookings.iter().map(|b| b.passenger_id).collect();
    data.loyalty.retain(|l| kept.contains(&l.passenger_id));
    for h in &mut data.hotel_blocks {
        (h.valid_from, h.valid_until) =
            (scheduled() - Duration::hours(12), scheduled() + Duration::hours(36));
    }
    (data, flight)
}

on_both_backends!(a_cancelled_overnight_flight_is_cared_for_all_night);

async fn a_cancelled_overnight_flight_is_cared_for_all_night<D: Database>(db: D) {
    // 21:10 in Hong Kong, central's clock with nanoseconds.
    let clock = TestClock::at(scheduled() - Duration::minutes(155) + Duration::nanoseconds(123_456_789));
    let c = central(db, &clock);
    let served = serve(c.clone()).await;
    let (data, flight) = station_data();
    station_data::import_station_data(&c.db, &data, clock.now()).await.unwrap();
    let pin_hash = agents::hash_pin("246810").unwrap();
    let agent_record = gatecare_server_database::AgentRecord {
        code: "A1001".into(),
        name: "Chan Tai Man".into(),
        role: "agent".into(),
        station: "HKG".into(),
        pin_hash,
    };
    agents::set_agent(&c.db, &agent_record, clock.now()).await.unwrap();

    let console = Device::enrol(&c, &served.url(), "HKG-C01", DeviceRole::Console).await;
    let kiosk = Device::enrol(&c, &served.url(), "HKG-K01", DeviceRole::Kiosk).await;
    let now = clock.now();
    console.sync(now).await;
    kiosk.sync(now).await;
    // Agents' PIN hashes reach the console they sign in to, never the kiosk.
    let hashes = |store: Station| async move {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM agents").fetch_one(store.pool()).await.unwrap()
    };
    assert_eq!(hashes(console.store.clone()).await, 1);
    assert_eq!(hashes(kiosk.store.clone()).await, 0, "a kiosk's store holds no agent");
    // Each store knows the role central enrolled it in.
    assert_eq!(kiosk.store.enrolled_role().await.unwrap().as_deref(), Some("kiosk"));
    assert_eq!(console.store.enrolled_role().await.unwrap().as_deref(), Some("console"));
    // A kiosk enrolled before devices kept their role, with a hash it got
    // then, learns its role from central's signed word at its next sync
    // and forgets the hash; the console keeps its role and its agents.
    sqlx::query("DELETE FROM settings WHERE key = 'enrolled_role'")
        .execute(kiosk.store.pool())
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO agents (id, code, name, role, station, pin_hash) \
         VALUES ('old', 'A1001', 'Chan Tai Man', 'agent', 'HKG', '$argon2id$old')",
    )
    .execute(kiosk.store.pool())
    .await
    .unwrap();
    kiosk.sync(now).await;
    console.sync(now).await;
    assert_eq!(kiosk.store.enrolled_role().await.unwrap().as_deref(), Some("kiosk"));
    assert_eq!(hashes(kiosk.store.clone()).await, 0, "the old kiosk forgot the hash it had");
    assert_eq!(console.store.enrolled_role().await.unwrap().as_deref(), Some("console"));
    assert_eq!(hashes(console.store.clone()).await, 1);

    // The agent records the cancellation and the next day's re-routing.
    let agent =
        console.store.verify_pin("A1001", "246810", now, LockoutPolicy::default()).await.unwrap().unwrap();
    let flight_id = flight.to_string();
    let entry = DisruptionEntry {
        kind: gatecare_station::console::EntryKind::Cancellation,
        cause: "41".into(),
        expected_departure: Some(scheduled() + Duration::hours(24)),
        delay_minutes: None,
        causes: None,
        departure_local: None,
        reroute_flight: Some("lh 0797".into()),
    };
    console.store.record_disruption(&flight_id, &entry, &agent, console.code, now).await.unwrap();
    console.sync(now).await;
    kiosk.sync(now).await;

    // The console: cancelled, re-routed tomorrow, hotels owed now and offered from the blocks.
    let policy = Policy::default_policy();
    let view = console.store.flight_view(&flight_id, &policy, now).await.unwrap();
    let d = view.disruption.as_ref().unwrap();
    assert_eq!((d.kind.as_str(), d.reroute_flight.as_deref()), ("cancellation", Some("LH797")));
    assert!(view.timeline.iter().any(|i| i.kind == CareKind::Hotel && i.due), "{:?}", view.timeline);
    assert!(!view.hotels.is_empty() && view.rooms_left > 0, "{:?}", view.hotels);
    assert!(view.announcement_en.contains("is cancelled"), "{}", view.announcement_en);
    assert!(view.announcement_en.contains("LH797, departing at 23:45 tomorrow"), "{}", view.announcement_en);
    assert!(
        view.announcement_zh.contains("取消") && view.announcement_zh.contains("明天"),
        "{}",
        view.announcement_zh
    );

    // The flight's regimes and why; compensation and the written notice with Germany's body.
    assert_eq!(view.regimes.len(), 1, "{:?}", view.regimes);
    assert!(view.regimes[0].en.contains("arrives in DE") && view.regimes[0].en.contains("Art 3(1)(b)"));
    let rights = view.rights.as_ref().unwrap();
    let owed = &rights.compensation[0];
    assert_eq!((owed.amount_minor, owed.currency), (60000, "EUR"));
    let notice = &rights.notices[0];
    assert_eq!((notice.body.name, notice.citation), ("Luftfahrt-Bundesamt", "EU261 Art 14(2), 16"));
    assert!(notice.lines_en.iter().any(|l| l.contains("EUR 600")), "{:?}", notice.lines_en);
    assert!(notice.lines_zh.iter().any(|l| l.contains("德国联邦航空局")), "{:?}", notice.lines_zh);

    // The written notice prints in both languages with the body's contact details.
    let wheelchair = data.bookings[5].passenger_id.to_string();
    let notice = console.store.rights_notice(&wheelchair, &flight_id, &policy, now).await.unwrap().unwrap();
    let pdf = gatecare_voucher::pdf::render_notice(
        &notice,
        gatecare_voucher::pdf::Layout::A4,
        &crate::support::voucher_fonts(),
    )
    .unwrap();
    let notice_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(notice_file.path(), pdf).unwrap();
    let text = crate::voucher::pdf_text(notice_file.path());
    for expected in
        ["NOTICE OF YOUR RIGHTS", "Luftfahrt-Bundesamt", "www.lba.de", "德国联邦航空局", "EUR 600", "LH797"]
    {
        assert!(text.contains(expected), "{expected:?} missing from the notice:\n{text}");
    }

    // One passenger takes the refund: their care after that moment ends, on every device.
    let refunder = data.bookings[7].passenger_id.to_string();
    let before = console.store.passenger_view(&refunder, &flight_id, &agent, &policy, now).await.unwrap();
    assert!(before.entitlements.iter().any(|e| e.from > now), "care still to come");
    console
        .store
        .record_refund_choice(&refunder, &flight_id, &policy, &agent, console.code, now)
        .await
        .unwrap();
    let after = console.store.passenger_view(&refunder, &flight_id, &agent, &policy, now).await.unwrap();
    assert!(after.entitlements.iter().all(|e| e.from <= now), "{:?}", after.entitlements);
    assert!(after.entitlements.iter().any(|e| e.kind == CareKind::Meal && e.due), "what was owed stays owed");
    console.sync(now).await;
    kiosk.sync(now).await;
    let rb = &data.bookings[7];
    let (rp, _) = Kiosk(&kiosk.store).kiosk_find(&rb.pnr, &rb.surname, "HKG", now).await.unwrap().unwrap();
    let refund_session = KioskSession { passenger_id: rp, flight_id: flight_id.clone() };
    let rk = Kiosk(&kiosk.store).kiosk_view(&refund_session, &policy, now).await.unwrap();
    assert!(rk.rights.unwrap().refund_chosen_at.is_some() && !rk.refund_option);

    // The kiosk (which only heard of it through central) says the same and offers the hotel.
    let b = &data.bookings[5];
    let (passenger_id, found_flight) =
        Kiosk(&kiosk.store).kiosk_find(&b.pnr, &b.surname, "HKG", now).await.unwrap().expect("the booking");
    assert_eq!(found_flight, flight_id);
    let session = KioskSession { passenger_id: passenger_id.clone(), flight_id: flight_id.clone() };
    let kv = Kiosk(&kiosk.store).kiosk_view(&session, &policy, now).await.unwrap();
    assert_eq!(
        (kv.flight.status, kv.flight.reroute_flight.as_deref()),
        (gatecare_station::FlightStatus::Cancelled, Some("LH797"))
    );
    assert_eq!((kv.flight.expected_local.as_deref(), kv.flight.expected_day_offset), (Some("23:45"), 1));
    assert!(kv.entitlements.iter().any(|e| e.kind == CareKind::Hotel && e.due), "{:?}", kv.entitlements);
    let hotels = Kiosk(&kiosk.store).kiosk_hotels("HKG", now).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let printer = FakePrinter::default();
    let (fonts, printer_name) = (crate::support::voucher_fonts(), printer.name());
    let spool = gatecare_print::cups::Spool::create_in(dir.path()).unwrap();
    let desk = PrintDesk {
        device: kiosk.code,
        station: "HKG",
        fonts: &fonts,
        printer_name: &printer_name,
        spool: &spool,
        central_url: None,
    };
    let printed = Kiosk(&kiosk.store)
        .kiosk_print(
            &session,
            KioskPick { kind: CareKind::Hotel, ordinal: 1, hotel_block_id: Some(hotels[0].id.clone()) },
            &policy,
            &desk,
            &printer,
            now,
        )
        .await
        .unwrap();
    assert!(printed.printed);
    // What the printer was given (the spool removed its own copy).
    let pdf = dir.path().join("printed.pdf");
    std::fs::write(&pdf, &printer.jobs.lock().unwrap()[0].2).unwrap();
    let text = crate::voucher::pdf_text(&pdf);
    assert!(text.contains("Cancelled") && text.contains("航班取消"), "{text}");
    assert!(text.contains("Re-routed on: LH797 23:45"), "{text}");

    // After midnight the console's board still has the flight, the kiosk still finds its passengers.
    let night = scheduled() + Duration::hours(4) + Duration::minutes(5);
    console.sync(now).await;
    let hkg = gatecare_core::AirportCode::parse("HKG").unwrap();
    let board = console.store.station_board(&hkg, night).await.unwrap();
    let row = board.iter().find(|f| f.id == flight_id).expect("yesterday's cancelled flight is on the board");
    assert_eq!((row.scheduled_day_offset, row.expected_local.as_deref()), (-1, Some("23:45")));
    assert!(Kiosk(&kiosk.store).kiosk_find(&b.pnr, &b.surname, "HKG", night).await.unwrap().is_some());
    // Two days later it has gone.
    let gone = console.store.station_board(&hkg, scheduled() + Duration::hours(49)).await.unwrap();
    assert!(gone.iter().all(|f| f.id != flight_id));

    // An unaccompanied minor gets nothing printed by herself: staff are called
    // to her, and the console shows it at the top with her place in the queue.
    let umnr = &data.bookings[4];
    let (umnr_id, _) =
        Kiosk(&kiosk.store).kiosk_find(&umnr.pnr, &umnr.surname, "HKG", now).await.unwrap().unwrap();
    let umnr_session = KioskSession { passenger_id: umnr_id.clone(), flight_id: flight_id.clone() };
    assert!(Kiosk(&kiosk.store).kiosk_request_staff(&umnr_session, kiosk.code, now).await.unwrap());
    assert!(!Kiosk(&kiosk.store).kiosk_request_staff(&umnr_session, kiosk.code, now).await.unwrap(), "once");
    let uv = Kiosk(&kiosk.store).kiosk_view(&umnr_session, &policy, now).await.unwrap();
    assert!(uv.needs_staff && !uv.refund_option);
    assert!(uv.entitlements.iter().any(|e| e.due) && uv.entitlements.iter().all(|e| !e.printable));
    let printed_alone = Kiosk(&kiosk.store)
        .kiosk_print(
            &umnr_session,
            KioskPick { kind: CareKind::Meal, ordinal: 1, hotel_block_id: None },
            &policy,
            &desk,
            &printer,
            now,
        )
        .await;
    assert!(printed_alone.is_err(), "Rust refuses what the screen does not offer");
    // The passenger joins the programme at the kiosk with a mobile number:
    // central has it, the station's other devices only the enrolment.
    let mobile = "85261234579";
    let joiners: Vec<String> = sqlx::query_scalar(
        "SELECT s.passenger_id FROM segments s LEFT JOIN loyalty_profiles l ON l.passenger_id = s.passenger_id \
         WHERE s.flight_id = ? AND l.ff_number IS NULL",
    )
    .bind(&flight_id)
    .fetch_all(kiosk.store.pool())
    .await
    .unwrap();
    let mut member = None;
    for passenger_id in joiners {
        let joiner = KioskSession { passenger_id, flight_id: flight_id.clone() };
        if let Ok(number) = Kiosk(&kiosk.store).kiosk_enrol(&joiner, mobile, true, kiosk.code, now).await {
            member = Some(number);
            break;
        }
    }
    let member = member.expect("an adult on the flight who is not yet a member");
    kiosk.sync(now).await;
    // What the console is sent, as it comes over the wire.
    let page = CentralClient::for_enrolment(&console.enrolment).unwrap().pull(0, 500).await.unwrap();
    let has = |needle: &str| page.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(has(&member), "the console hears of the enrolment");
    assert!(!has(mobile), "the console is sent the passenger's mobile number");
    console.sync(now).await;
    let cv = console.store.flight_view(&flight_id, &policy, now).await.unwrap();
    let request = cv.staff_requests.first().expect("the console is told");
    assert_eq!(request.passenger_id, umnr_id);
    let queue = console.store.priority_list(&flight_id, &policy).await.unwrap();
    let row = queue.iter().find(|r| r.passenger.passenger_id == umnr_id).unwrap();
    assert_eq!(
        (row.place, row.class),
        (request.place, gatecare_care::priority::PriorityClass::LegalPriority)
    );

    // The family at the kiosk: the mother may open her child, not the other adult.
    let mum = &data.bookings[0];
    let (mum_id, _) =
        Kiosk(&kiosk.store).kiosk_find(&mum.pnr, &mum.surname, "HKG", now).await.unwrap().unwrap();
    let mum_session = KioskSession { passenger_id: mum_id.clone(), flight_id: flight_id.clone() };
    let mv = Kiosk(&kiosk.store).kiosk_view(&mum_session, &policy, now).await.unwrap();
    let child = data.bookings[1].passenger_id.to_string();
    let listed: Vec<(&str, bool)> = mv.booking.iter().map(|m| (m.passenger_id.as_str(), m.minor)).collect();
    assert_eq!(listed, [(child.as_str(), true)]);
    assert!(!mv.passenger.minor);
    let to_child =
        Kiosk(&kiosk.store).kiosk_switch(&mum_session, &child, now).await.unwrap().expect("her child");
    let cv = Kiosk(&kiosk.store).kiosk_view(&to_child, &policy, now).await.unwrap();
    assert!(cv.passenger.minor);
    let other_adult = data.bookings[2].passenger_id.to_string();
    assert!(Kiosk(&kiosk.store).kiosk_switch(&mum_session, &other_adult, now).await.unwrap().is_none());
    // No programme enrolment for a child.
    let refused = Kiosk(&kiosk.store).kiosk_enrol(&to_child, "91234567", true, kiosk.code, now).await;
    assert!(refused.is_err_and(|e| e.to_string().contains("18 and over")));

    // A meal the agent gave at the gate reads so at the kiosk; citations have a Chinese form.
    let gate_pax = &data.bookings[3];
    let meal = crate::support::meal_request(gate_pax.passenger_id, &flight_id, 1);
    let ctx = gatecare_station::IssueContext::new(console.code, &agent, &policy, now);
    console.store.issue(&ctx, &meal).await.unwrap();
    console.sync(now).await;
    kiosk.sync(now).await;
    let (gp, _) =
        Kiosk(&kiosk.store).kiosk_find(&gate_pax.pnr, &gate_pax.surname, "HKG", now).await.unwrap().unwrap();
    let gate_session = KioskSession { passenger_id: gp, flight_id: flight_id.clone() };
    let gv = Kiosk(&kiosk.store).kiosk_view(&gate_session, &policy, now).await.unwrap();
    let m1 = gv.entitlements.iter().find(|e| e.kind == CareKind::Meal && e.ordinal == 1).unwrap();
    assert!(m1.issued_elsewhere && m1.issued_at_gate, "{m1:?}");
    assert_eq!(m1.citation_zh, "欧盟第261/2004号条例 第9(1)(a)条");

    // A meal the kiosk printed never stops the console's bulk issuance: it is
    // counted as issued elsewhere and everyone else is served.
    let kiosk_pax = &data.bookings[6];
    let (kp, _) = Kiosk(&kiosk.store)
        .kiosk_find(&kiosk_pax.pnr, &kiosk_pax.surname, "HKG", now)
        .await
        .unwrap()
        .unwrap();
    let kiosk_session = KioskSession { passenger_id: kp, flight_id: flight_id.clone() };
    Kiosk(&kiosk.store)
        .kiosk_print(
            &kiosk_session,
            KioskPick { kind: CareKind::Meal, ordinal: 1, hotel_block_id: None },
            &policy,
            &desk,
            &printer,
            now,
        )
        .await
        .unwrap();
    kiosk.sync(now).await;
    console.sync(now).await;
    let bulk = gatecare_bulk::Bulk(&console.store)
        .issue_bulk(&ctx, &flight_id, gatecare_ledger::EntitlementKind::Meal, |_, _| {})
        .await;
    let bulk = bulk.expect("the batch goes on");
    assert_eq!((bulk.elsewhere, bulk.reprinted), (1, 1), "{bulk:?}");
    assert_eq!(bulk.issued as usize, data.bookings.len() - 2, "{bulk:?}");

    // A merchant verifies the printed voucher with central's trust list and
    // redeems it once, after midnight (central's clock there too).
    clock.set(night + Duration::nanoseconds(987_654_321));
    kiosk.sync(night).await;
    let signer = kiosk.store.device_signer(kiosk.code, now).await.unwrap();
    let qr = gatecare_print::vouchers::voucher_sheet(&kiosk.store, &printed.voucher_id, &signer)
        .await
        .unwrap()
        .qr_text;
    let trust = trust::trust_list(&c, clock.now()).await.unwrap();
    assert_eq!(gatecare_voucher::verify::verify(&qr, &trust, &VoidList::default(), night).reason, "valid");
    // What a merchant scans names no booking: no ticket number, no entitlement key.
    let (ticket, key): (String, String) = sqlx::query_as(
        "SELECT s.ticket_number, l.entitlement_key FROM ledger_events l \
         JOIN segments s ON s.passenger_id = l.passenger_id AND s.flight_id = l.flight_id WHERE l.voucher_id = ?",
    )
    .bind(&printed.voucher_id)
    .fetch_one(kiosk.store.pool())
    .await
    .unwrap();
    assert!(key.contains(&ticket), "the key stays on the device: {key}");
    let scanned = gatecare_voucher::signed::decode(&qr).unwrap();
    assert_eq!(scanned.payload.entitlement_key, None);
    let cbor = base45::decode(qr.trim_start_matches(gatecare_voucher::signed::QR_PREFIX)).unwrap();
    assert!(!cbor.windows(ticket.len()).any(|w| w == ticket.as_bytes()), "the QR carries the ticket number");
    // The hotel's front desk enrols and redeems with the command line, as the README tells it.
    let merchant_code =
        enrolment::issue_enrolment_code(&c.db, "HKG", DeviceRole::Merchant, Duration::hours(1), c.now())
            .await
            .unwrap();
    let url = served.url();
    let enrolled = tokio::task::spawn_blocking(move || {
        crate::support::gatecare(
            &[
                "voucher",
                "enrol-merchant",
                "--central",
                &url,
                "--code",
                &merchant_code,
                "--name",
                "Regal front desk",
            ],
            &[],
        )
    })
    .await
    .unwrap();
    assert!(enrolled.status.success(), "{}", String::from_utf8_lossy(&enrolled.stderr));
    let token = serde_json::from_slice::<serde_json::Value>(&enrolled.stdout).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let redeem = |qr: String| {
        let (url, token) = (served.url(), token.clone());
        tokio::task::spawn_blocking(move || {
            crate::support::gatecare(&["voucher", "redeem", &qr, "--central", &url, "--token", &token], &[])
        })
    };
    let first = redeem(qr.clone()).await.unwrap();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let answer: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(answer["redeemed"], true, "{answer}");
    let again = redeem(qr).await.unwrap();
    assert_eq!(again.status.code(), Some(1), "a second redemption is refused");
    let answer: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(
        (answer["redeemed"].as_bool(), answer["reason"].as_str()),
        (Some(false), Some("already_redeemed"))
    );
    let said = String::from_utf8_lossy(&again.stderr);
    assert!(
        said.contains("not redeemed: already_redeemed, first redeemed at ")
            && said.contains(" +08:00 by Regal front desk"),
        "{said}"
    );
    // The administrator makes a spare console a kiosk: within the hour the
    // device knows, and keeps no hash.
    let spare = Device::enrol(&c, &served.url(), "HKG-C02", DeviceRole::Console).await;
    spare.sync(clock.now()).await;
    assert_eq!(hashes(spare.store.clone()).await, 1);
    let set =
        devices::set_role(&c.db, spare.enrolment.device_id, DeviceRole::Kiosk, clock.now()).await.unwrap();
    assert_eq!(set, Some(0));
    clock.set(clock.now() + Duration::minutes(1));
    spare.sync(clock.now()).await;
    assert_eq!(spare.store.enrolled_role().await.unwrap().as_deref(), Some("console"), "asked hourly");
    clock.set(clock.now() + Duration::minutes(60));
    spare.sync(clock.now()).await;
    assert_eq!(spare.store.enrolled_role().await.unwrap().as_deref(), Some("kiosk"));
    assert_eq!(hashes(spare.store.clone()).await, 0, "a kiosk now: no hash");
    // Nor is any hash left in the file or its log for whoever takes the disk.
    let on_disk = ["store.sqlite", "store.sqlite-wal"]
        .iter()
        .map(|f| std::fs::read(spare._dir.path().join(f)).unwrap_or_default())
        .map(|b| String::from_utf8_lossy(&b).matches("$argon2id$").count())
        .sum::<usize>();
    assert_eq!(on_disk, 0, "a forgotten PIN hash is still on disk");
    // And back: a kiosk made a console is sent the station's agents again,
    // which its feed skipped while it was a kiosk.
    let set =
        devices::set_role(&c.db, spare.enrolment.device_id, DeviceRole::Console, clock.now()).await.unwrap();
    assert_eq!(set, Some(1), "the station's one agent, published again");
    clock.set(clock.now() + Duration::minutes(61));
    spare.sync(clock.now()).await;
    assert_eq!(spare.store.enrolled_role().await.unwrap().as_deref(), Some("console"));
    assert_eq!(hashes(spare.store.clone()).await, 1, "a console again: the agent can sign in");
    assert!(
        spare
            .store
            .verify_pin("A1001", "246810", clock.now(), LockoutPolicy::default())
            .await
            .unwrap()
            .is_ok()
    );
}
