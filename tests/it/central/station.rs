//! Station data through central (issue #7 §4): an import of flights,
//! manifests, loyalty profiles, hotel blocks and the policy reaches the
//! station's kiosks through the feed; a bad document publishes nothing; a
//! re-import changes nothing; another station sees none of it.

use chrono::Duration;
use gatecare_central::station_data;
use gatecare_link::enrol_with_central;
use gatecare_server::enrolment;
use gatecare_server_database::Database;
use gatecare_sync::DeviceRole;

use super::harness::{self, TestClock, central, on_both_backends, serve};
use super::story::{Kiosk, now};

on_both_backends!(station_data_reaches_the_kiosks);

async fn station_data_reaches_the_kiosks<D: Database>(db: D) {
    let clock = TestClock::at(now());
    let c = central(db, &clock);
    let served = serve(c.clone()).await;
    let url = served.url();
    // The kiosk knows CZ342 and two other departures; the airline's systems
    // know the whole day.
    let kiosk = Kiosk::enrol(&c, &url, "HKG-K01").await;
    let full = crate::support::small_day(6);
    let known: Vec<String> =
        sqlx::query_scalar("SELECT id FROM flights").fetch_all(kiosk.store.pool()).await.unwrap();
    let new_flight =
        full.flights.iter().find(|f| !known.contains(&f.id.to_string())).expect("a flight the kiosk lacks");
    let cz342 = full.flights.iter().find(|f| f.designator.to_string() == "CZ342").unwrap();
    let mut data = gatecare_demo::station::station_data(&full, &[new_flight.id, cz342.id]);
    // A passenger of CZ342 has just reached platinum.
    let upgraded = data.loyalty.iter_mut().find(|l| l.tier == "silver").expect("a silver member");
    upgraded.tier = "platinum".into();
    let upgraded_id = upgraded.passenger_id.to_string();
    // A new hotel block, and the policy with a different alert threshold.
    let mut hotel = data.hotel_blocks[0].clone();
    hotel.id = uuid::Uuid::now_v7();
    hotel.name = "Airport Transit Hotel".into();
    data.hotel_blocks = vec![hotel.clone()];
    data.policy = Some(gatecare_policy::DEFAULT_POLICY.replace("alert_threshold = 3", "alert_threshold = 5"));

    // A document with one bad record publishes nothing.
    let before = c.db.totals().await.unwrap();
    let mut bad = data.clone();
    bad.bookings[5].pnr = "??".into();
    let e = station_data::import_station_data(&c.db, &bad, now()).await.unwrap_err();
    assert!(e.to_string().contains("bookings[5].pnr"), "{e}");
    assert_eq!(format!("{:#}", anyhow::Error::from(e)).matches("bookings[5].pnr").count(), 1, "said once");
    // A disruption must name a flight of the document and a cause the care engine knows.
    let disruption = |flight_id, cause: &str| gatecare_sync::station::DisruptionData {
        id: uuid::Uuid::now_v7(),
        flight_id,
        kind: "delay".into(),
        cause: cause.into(),
        expected_departure: Some(cz342.scheduled_departure + Duration::hours(3)),
        expected_arrival: None,
        reroute_flight: None,
        recorded_at: now(),
        recorded_by: "OPS".into(),
    };
    for (d, path) in [
        (disruption(uuid::Uuid::now_v7(), "41"), "disruptions[0].flight_id"),
        (disruption(cz342.id, "gremlins"), "disruptions[0].cause"),
    ] {
        let mut bad = data.clone();
        bad.disruptions = vec![d];
        let e = station_data::import_station_data(&c.db, &bad, now()).await.unwrap_err();
        assert!(e.to_string().contains(path), "{e}");
    }
    assert_eq!(c.db.totals().await.unwrap(), before);

    let report = station_data::import_station_data(&c.db, &data, now()).await.unwrap();
    assert_eq!(report.flights, 2);
    assert_eq!(report.bookings, data.bookings.len());
    // Everything is new to central's feed; nothing is listed as changed.
    assert_eq!(
        (report.changes.flights_new, report.changes.bookings_new, report.changes.profiles_new),
        (2, data.bookings.len(), data.loyalty.len())
    );
    assert!(report.changes.changed.is_empty(), "{:?}", report.changes.changed);
    assert!(report.feed_items >= 2 + data.bookings.len().div_ceil(100));
    kiosk.sync().await;

    // The new flight, its manifest and its passengers' names are here: a
    // passenger of it is found by booking reference and by name.
    let s = &kiosk.store;
    let flights: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM flights WHERE id = ?")
        .bind(new_flight.id.to_string())
        .fetch_one(s.pool())
        .await
        .unwrap();
    assert_eq!(flights, 1);
    let seats: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM segments WHERE flight_id = ?")
        .bind(new_flight.id.to_string())
        .fetch_one(s.pool())
        .await
        .unwrap();
    let expected = full.passengers.iter().filter(|p| p.flight_id == new_flight.id).count() as i64;
    assert_eq!(seats, expected);
    let p = full.passengers.iter().find(|p| p.flight_id == new_flight.id).unwrap();
    let hits = s.find_by_pnr_surname(p.pnr.as_str(), &p.name.surname).await.unwrap();
    assert!(hits.iter().any(|h| h.passenger_id == p.id.to_string()), "{hits:?}");
    let by_name = s.search_names(&p.name.surname, 50).await.unwrap();
    assert!(by_name.iter().any(|h| h.passenger_id == p.id.to_string()));
    // The profile update, the hotel block and the policy.
    let tier: String = sqlx::query_scalar("SELECT tier FROM loyalty_profiles WHERE passenger_id = ?")
        .bind(&upgraded_id)
        .fetch_one(s.pool())
        .await
        .unwrap();
    assert_eq!(tier, "platinum");
    let rooms: i64 = sqlx::query_scalar("SELECT rooms_left FROM hotel_blocks WHERE id = ?")
        .bind(hotel.id.to_string())
        .fetch_one(s.pool())
        .await
        .unwrap();
    assert_eq!(rooms, i64::from(hotel.rooms_left));
    assert_eq!(s.central_policy().await.unwrap().unwrap().recovery.alert_threshold, 5);

    // Importing the same document again changes nothing at the kiosk; a
    // later one never gives back rooms the kiosk has handed out.
    sqlx::query("UPDATE hotel_blocks SET rooms_left = rooms_left - 2 WHERE id = ?")
        .bind(hotel.id.to_string())
        .execute(s.pool())
        .await
        .unwrap();
    let count = |table: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(s.pool())
            .await
            .unwrap()
    };
    let (p0, s0, n0) = (count("passengers").await, count("segments").await, count("name_index").await);
    let again = station_data::import_station_data(&c.db, &data, now()).await.unwrap();
    assert_eq!(again.changes, station_data::ImportChanges::default(), "the same document changes nothing");
    kiosk.sync().await;
    assert_eq!((count("passengers").await, count("segments").await, count("name_index").await), (p0, s0, n0));
    let rooms_after: i64 = sqlx::query_scalar("SELECT rooms_left FROM hotel_blocks WHERE id = ?")
        .bind(hotel.id.to_string())
        .fetch_one(s.pool())
        .await
        .unwrap();
    assert_eq!(rooms_after, rooms - 2);

    // The airline corrects the document: the flight number spelled with a
    // leading zero (the same flight), a new gate and a tier. The import says
    // what changed, and the kiosk shows it.
    let mut fixed = data.clone();
    let f = fixed.flights.iter_mut().find(|f| f.id == cz342.id).unwrap();
    f.number = format!("0{}", f.number);
    f.gate = Some("G23".into());
    fixed.loyalty.iter_mut().find(|l| l.passenger_id.to_string() == upgraded_id).unwrap().tier =
        "gold".into();
    // The same flight under a new id would be a second copy on every device: refused.
    let mut copy = fixed.clone();
    let new_id = uuid::Uuid::now_v7();
    copy.flights.iter_mut().find(|f| f.id == cz342.id).unwrap().id = new_id;
    copy.bookings.iter_mut().filter(|b| b.flight_id == cz342.id).for_each(|b| b.flight_id = new_id);
    copy.disruptions.iter_mut().filter(|d| d.flight_id == cz342.id).for_each(|d| d.flight_id = new_id);
    let e = station_data::import_station_data(&c.db, &copy, now()).await.unwrap_err();
    assert!(e.to_string().contains("already published as flight"), "{e}");
    let report = station_data::import_station_data(&c.db, &fixed, now()).await.unwrap();
    assert_eq!(
        (report.changes.flights_new, report.changes.bookings_new, report.changes.profiles_new),
        (0, 0, 0)
    );
    assert_eq!(report.changes.changed.len(), 2, "{:?}", report.changes.changed);
    assert!(
        report.changes.changed.iter().any(|c| c.starts_with("flight CZ342: gate") && c.ends_with("→ G23"))
    );
    assert!(
        report.changes.changed.iter().any(|c| c.contains(&upgraded_id) && c.contains("tier platinum → gold")),
        "{:?}",
        report.changes.changed
    );
    kiosk.sync().await;
    let (number, gate): (String, Option<String>) =
        sqlx::query_as("SELECT number, gate FROM flights WHERE id = ?")
            .bind(cz342.id.to_string())
            .fetch_one(s.pool())
            .await
            .unwrap();
    assert_eq!((number.as_str(), gate.as_deref()), ("342", Some("G23")));
    let tier: String = sqlx::query_scalar("SELECT tier FROM loyalty_profiles WHERE passenger_id = ?")
        .bind(&upgraded_id)
        .fetch_one(s.pool())
        .await
        .unwrap();
    assert_eq!(tier, "gold");

    // Another station's kiosk receives none of HKG's data.
    let pvg = enrolment::issue_enrolment_code(&c.db, "PVG", DeviceRole::Kiosk, Duration::hours(1), now())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let other = gatecare_station::Station::open(&dir.path().join("pvg.sqlite")).await.unwrap();
    let e =
        enrol_with_central(&other, &url, &pvg, &harness::root_fingerprint(), "PVG-K01", now()).await.unwrap();
    let client = gatecare_link::CentralClient::for_enrolment(&e).unwrap();
    while gatecare_link::sync_once(&other, &client, &e, "PVG-K01", now()).await.unwrap().more {}
    let theirs: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM flights").fetch_one(other.pool()).await.unwrap();
    assert_eq!(theirs, 0);
    assert!(other.central_policy().await.unwrap().is_none());
}

on_both_backends!(a_station_works_from_central_data_alone);

/// A new device, enrolled by the command line into a store that does not
/// exist yet, learns its station from central and serves the hotel blocks
/// that the airline's station data carries.
async fn a_station_works_from_central_data_alone<D: Database>(db: D) {
    let clock = TestClock::at(now());
    let c = central(db, &clock);
    let served = serve(c.clone()).await;
    let day = crate::support::small_day(0);
    let cz342 = day.flights.iter().find(|f| f.designator.to_string() == "CZ342").unwrap();
    let data = gatecare_demo::station::station_data(&day, &[cz342.id]);
    assert!(!data.hotel_blocks.is_empty());
    station_data::import_station_data(&c.db, &data, now()).await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new/console.sqlite");
    let code = enrolment::issue_enrolment_code(&c.db, "HKG", DeviceRole::Kiosk, Duration::hours(1), now())
        .await
        .unwrap();
    let (url, db_arg) = (served.url(), path.display().to_string());
    let run = move |args: Vec<String>| {
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            crate::support::gatecare(&args, &[])
        })
    };
    // A refused code leaves no store behind, so a retry starts clean.
    let refused = run(vec![
        "sync".into(),
        "enrol".into(),
        "--db".into(),
        db_arg.clone(),
        "--central".into(),
        url.clone(),
        "--code".into(),
        "AAAA-BBBB-CCCC".into(),
        "--root-fingerprint".into(),
        harness::root_fingerprint(),
    ])
    .await
    .unwrap();
    assert!(!refused.status.success());
    assert!(!path.exists(), "no empty store after a refused enrolment");
    let enrol = run(vec![
        "sync".into(),
        "enrol".into(),
        "--db".into(),
        db_arg.clone(),
        "--central".into(),
        url,
        "--code".into(),
        code,
        "--root-fingerprint".into(),
        harness::root_fingerprint(),
        "--device".into(),
        "HKG-C01".into(),
    ])
    .await
    .unwrap();
    assert!(enrol.status.success(), "{}", String::from_utf8_lossy(&enrol.stderr));
    let once = run(vec!["sync".into(), "once".into(), "--db".into(), db_arg.clone()]).await.unwrap();
    assert!(once.status.success(), "{}", String::from_utf8_lossy(&once.stderr));

    let store = gatecare_station::Station::open(&path).await.unwrap();
    assert_eq!(store.enrolled_station().await.unwrap().as_deref(), Some("HKG"));
    // The code it was enrolled under signs its vouchers: another is refused
    // (it would sign with a key central never certified).
    assert_eq!(store.enrolled_device().await.unwrap().as_deref(), Some("HKG-C01"));
    let out_dir = dir.path().join("out").display().to_string();
    let (db2, out2) = (db_arg.clone(), out_dir.clone());
    let wrong = tokio::task::spawn_blocking(move || {
        crate::support::gatecare(
            &["voucher", "flight", "--db", &db2, "--flight", "CZ342", "--out", &out2, "--device", "HKG-K01"],
            &[],
        )
    })
    .await
    .unwrap();
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("enrolled with central as HKG-C01"),
        "{}",
        String::from_utf8_lossy(&wrong.stderr)
    );
    let (db3, out3) = (db_arg.clone(), out_dir);
    let configured = tokio::task::spawn_blocking(move || {
        crate::support::gatecare(
            &["voucher", "flight", "--db", &db3, "--flight", "CZ342", "--out", &out3],
            &[("GATECARE_DEVICE", "HKG-K07")],
        )
    })
    .await
    .unwrap();
    assert_eq!(configured.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&configured.stderr).contains("enrolled with central as HKG-C01"));
    let stations: Vec<String> = sqlx::query_scalar("SELECT DISTINCT station FROM hotel_blocks")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(stations, ["HKG"]);
    let hotels = gatecare_kiosk::Kiosk(&store).kiosk_hotels("HKG", now()).await.unwrap();
    assert_eq!(hotels.len(), data.hotel_blocks.len());
    assert!(hotels.iter().all(|h| h.rooms_left > 0), "{hotels:?}");

    // A failed `sync once` shows in `sync status`, as the app's worker's do.
    sqlx::query("UPDATE sync_enrolment SET central_url = 'http://127.0.0.1:9'")
        .execute(store.pool())
        .await
        .unwrap();
    let down = run(vec!["sync".into(), "once".into(), "--db".into(), db_arg.clone()]).await.unwrap();
    assert!(!down.status.success());
    let status = run(vec!["sync".into(), "status".into(), "--db".into(), db_arg.clone()]).await.unwrap();
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert!(status["status"]["last_error"].as_str().is_some_and(|e| !e.is_empty()), "{status}");
    assert_eq!(status["status"]["online"], false);

    // A station configured for another airport refuses to use this store.
    let other = run(vec!["flights".into(), "--db".into(), db_arg.clone()]);
    let ok = other.await.unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let refused = tokio::task::spawn_blocking(move || {
        crate::support::gatecare(&["flights", "--db", &db_arg], &[("GATECARE_STATION", "PVG")])
    })
    .await
    .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("enrolled with central for HKG"));
}
