//! Redemptions a merchant's till accepted while it could not reach central:
//! only with the administrator's limit, only recently, counted at the till's
//! time, and a voucher another till redeemed first kept as a conflict (both
//! merchants, both times), once, however often the till retries.

use chrono::Duration;
use gatecare_server_database::Database;
use gatecare_sync::RedeemRequest;
use uuid::Uuid;

use super::harness::{TestClock, central, on_both_backends, serve};
use super::story::{Kiosk, Till, hkg_code, now};

/// Posts a redemption as a till does; the status and the JSON answer.
async fn send(url: &str, token: &str, req: &RedeemRequest) -> (u16, serde_json::Value) {
    let resp = reqwest::Client::new()
        .post(format!("{url}/v1/vouchers/redeem"))
        .bearer_auth(token)
        .json(req)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

on_both_backends!(a_till_accepts_offline_within_its_limit_and_a_double_spend_is_kept);

async fn a_till_accepts_offline_within_its_limit_and_a_double_spend_is_kept<D: Database>(db: D) {
    // Central's clock with nanoseconds, as a real one has.
    let clock = TestClock::at(now() + Duration::nanoseconds(123_456_789));
    let c = central(db, &clock);
    let served = serve(c.clone()).await;
    let url = served.url();
    let kiosk = Kiosk::enrol(&c, &url, "HKG-K01").await;
    let (first, second) = (kiosk.issue(0).await.unwrap(), kiosk.issue(1).await.unwrap());
    kiosk.sync().await;
    let (qr1, qr2) = (kiosk.qr(&first.voucher_id).await, kiosk.qr(&second.voucher_id).await);
    // An hour after the kiosk printed them.
    clock.set(now() + Duration::hours(1) + Duration::nanoseconds(987_654_321));
    let noodles = Till::enrol(&c, &url, "Noodle Bar T1").await;
    let hotel = Till::enrol(&c, &url, "Harbour Hotel").await;
    let offline = |qr: &str, at| RedeemRequest {
        redemption_id: Uuid::now_v7(),
        qr: qr.to_owned(),
        offline_at: Some(at),
    };

    // By default a till may not accept any voucher offline.
    let (status, body) =
        send(&url, &noodles.token, &offline(&qr1, clock.now() - Duration::minutes(30))).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("offline_not_allowed")), "{body}");
    let device = c.db.device_by_token(&gatecare_server::secret_hash(&noodles.token)).await.unwrap().unwrap();
    c.db.set_offline_limit(device.id, 5).await.unwrap();
    assert_eq!(c.db.offline_limit(device.id).await.unwrap(), 5);

    // Too old, or from the future: refused, nothing stored.
    for at in [clock.now() - Duration::hours(73), clock.now() + Duration::hours(1)] {
        let (status, body) = send(&url, &noodles.token, &offline(&qr1, at)).await;
        assert_eq!((status, body["code"].as_str()), (400, Some("offline_time_out_of_range")), "{body}");
    }
    let day = (clock.now() - Duration::hours(12), clock.now() + Duration::hours(12));
    assert!(c.db.redemptions_by(device.id, day.0, day.1).await.unwrap().is_empty());

    // Accepted half an hour ago, sent now: redeemed at the till's time.
    let accepted = clock.now() - Duration::minutes(30);
    let (status, body) = send(&url, &noodles.token, &offline(&qr1, accepted)).await;
    assert_eq!((status, body["redeemed"].as_bool()), (200, Some(true)), "{body}");
    let lines = c.db.redemptions_by(device.id, day.0, day.1).await.unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].redeemed_at.timestamp_micros(), accepted.timestamp_micros());
    assert_eq!(
        (lines[0].kind.as_deref(), lines[0].value_minor, lines[0].offline),
        (Some("meal"), Some(12000), true)
    );

    // The hotel redeemed the second voucher online; the noodle bar had
    // accepted it offline ten minutes before: a double spend, kept once.
    let first_redeemed = hotel.redeem(Uuid::now_v7(), &qr2).await;
    assert!(first_redeemed.redeemed, "{first_redeemed:?}");
    let late = offline(&qr2, clock.now() - Duration::minutes(10));
    // Central holds the limit too: one accepted offline already, one allowed.
    c.db.set_offline_limit(device.id, 1).await.unwrap();
    let (status, body) = send(&url, &noodles.token, &late).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("offline_limit_reached")), "{body}");
    c.db.set_offline_limit(device.id, 5).await.unwrap();
    for _ in 0..2 {
        let (status, body) = send(&url, &noodles.token, &late).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            (body["redeemed"].as_bool(), body["double_spend"].as_bool()),
            (Some(false), Some(true)),
            "{body}"
        );
        assert_eq!(body["redeemed_by"], "Harbour Hotel");
    }
    // A retry after the till reached its limit is the same conflict, not a
    // new acceptance refused for the limit.
    c.db.set_offline_limit(device.id, 1).await.unwrap();
    let (status, body) = send(&url, &noodles.token, &late).await;
    assert_eq!((status, body["double_spend"].as_bool()), (200, Some(true)), "{body}");
    assert_eq!(body["reason"], "already_redeemed");
    c.db.set_offline_limit(device.id, 5).await.unwrap();
    let conflicts = c.db.redemption_conflicts(None, day.0, day.1).await.unwrap();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    let x = &conflicts[0];
    assert_eq!((x.first_merchant.as_str(), x.merchant.as_str()), ("Harbour Hotel", "Noodle Bar T1"));
    assert_eq!(x.voucher_id, second.voucher_id);
    assert_eq!(x.serial.as_deref(), Some("HKG-K01-000002"));
    assert!(x.first_at > x.accepted_at, "the first at central came after the offline acceptance");
    // Both tills see it; a till of neither side does not.
    let hotel_id =
        c.db.device_by_token(&gatecare_server::secret_hash(&hotel.token)).await.unwrap().unwrap().id;
    assert_eq!(c.db.redemption_conflicts(Some(hotel_id), day.0, day.1).await.unwrap().len(), 1);
    assert!(c.db.redemption_conflicts(Some(Uuid::now_v7()), day.0, day.1).await.unwrap().is_empty());
    // The voucher stays the hotel's: the noodle bar's day has one line.
    assert_eq!(c.db.redemptions_by(device.id, day.0, day.1).await.unwrap().len(), 1);

    // The airline's report: with a report token, never a device's.
    let report = |token: String, query: &'static str| {
        let url = url.clone();
        async move {
            let resp = reqwest::Client::new()
                .get(format!("{url}/v1/reports/redemptions?{query}"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            if resp.status() == 200 {
                assert_eq!(
                    resp.headers()["cache-control"],
                    "no-store",
                    "a report is kept nowhere on the way"
                );
            }
            (resp.status().as_u16(), resp.json::<serde_json::Value>().await.unwrap())
        }
    };
    let (status, body) = report(hotel.token.clone(), "flight=CZ342/2026-11-22").await;
    assert_eq!((status, body["code"].as_str()), (401, Some("token_invalid")), "{body}");
    c.db.add_admin_token(&gatecare_server::secret_hash("finance-token"), "finance HKG", c.now())
        .await
        .unwrap();
    let (status, body) = report("finance-token".into(), "flight=CZ342/2026-11-22").await;
    assert_eq!(status, 200, "{body}");
    let flight = &body["flights"][0];
    assert_eq!(
        (flight["flight"].as_str(), flight["flight_date"].as_str()),
        (Some("CZ342"), Some("2026-11-22"))
    );
    assert_eq!(flight["issued"][0]["value_text"], "HKD 240.00", "{body}");
    assert_eq!(flight["issued"][0]["count"], 2);
    assert_eq!(flight["redeemed"][0]["value_text"], "HKD 240.00");
    assert_eq!(flight["voided"], serde_json::json!([]));
    let merchants: Vec<(&str, &str, i64)> = body["merchants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["merchant"].as_str().unwrap(),
                m["redeemed"][0]["value_text"].as_str().unwrap(),
                m["conflicts"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(merchants, [("Harbour Hotel", "HKD 120.00", 1), ("Noodle Bar T1", "HKD 120.00", 1)]);
    assert_eq!(body["conflicts"][0]["serial"], "HKG-K01-000002");
    // By days: the flights of those days (by their date) with all their
    // vouchers, and what merchants redeemed on those days.
    let (status, days) = report("finance-token".into(), "from=2026-11-20&to=2026-11-25").await;
    assert_eq!(status, 200, "{days}");
    assert_eq!(
        (days["flights"].clone(), days["conflicts"].as_array().map(Vec::len)),
        (body["flights"].clone(), Some(1))
    );
    // Days after the flight's: it is not theirs, nor are its redemptions.
    let (status, later) = report("finance-token".into(), "from=2026-11-23&to=2026-11-25").await;
    assert_eq!(status, 200, "{later}");
    assert_eq!(
        (later["flights"].clone(), later["merchants"].clone()),
        (serde_json::json!([]), serde_json::json!([]))
    );
    let (status, _) = report("finance-token".into(), "flight=CZ342").await;
    assert_eq!(status, 400);
}

on_both_backends!(a_till_takes_only_its_kinds_and_its_place_is_published);

/// A hotel's front desk set to take hotel nights refuses a meal voucher
/// and stores nothing; the noodle bar set to take meals redeems it. The
/// places the administrator published are listed for the station, by name,
/// with what each takes, until a merchant is withdrawn or unpublished.
async fn a_till_takes_only_its_kinds_and_its_place_is_published<D: Database>(db: D) {
    use gatecare_ledger::EntitlementKind;
    use gatecare_server_database::MerchantOutlet;
    let clock = TestClock::at(now() + Duration::nanoseconds(123_456_789));
    let c = central(db, &clock);
    let served = serve(c.clone()).await;
    let url = served.url();
    let kiosk = Kiosk::enrol(&c, &url, "HKG-K01").await;
    let meal = kiosk.issue(0).await.unwrap();
    kiosk.sync().await;
    let qr = kiosk.qr(&meal.voucher_id).await;
    clock.set(now() + Duration::hours(1) + Duration::nanoseconds(987_654_321));
    let noodles = Till::enrol(&c, &url, "Noodle Bar T1").await;
    let hotel = Till::enrol(&c, &url, "Harbour Hotel").await;
    let id = |token: String| {
        let c = c.clone();
        async move { c.db.device_by_token(&gatecare_server::secret_hash(&token)).await.unwrap().unwrap().id }
    };
    let (noodles_id, hotel_id) = (id(noodles.token.clone()).await, id(hotel.token.clone()).await);
    // A second live till of a name is refused (the administrator picks tills
    // by name), and its code stays unused for a name of its own.
    let code = hkg_code(&c, gatecare_sync::DeviceRole::Merchant).await;
    let again = |name: &str| {
        reqwest::Client::new()
            .post(format!("{url}/v1/devices/enrol"))
            .json(&serde_json::json!({"code": code, "name": name}))
            .send()
    };
    let twin = again(" noodle bar t1 ").await.unwrap();
    assert_eq!(twin.status(), reqwest::StatusCode::CONFLICT);
    let body: serde_json::Value = twin.json().await.unwrap();
    assert_eq!(body["code"], "name_taken", "{body}");
    assert_eq!(again("Noodle Bar T2").await.unwrap().status(), reqwest::StatusCode::OK);
    // Set before: every kind, not published.
    assert_eq!(c.db.merchant_outlet(hotel_id).await.unwrap(), MerchantOutlet::default());
    let hotel_outlet = MerchantOutlet {
        accepts: Some(vec![EntitlementKind::Hotel]),
        place_en: Some("Tung Chung, shuttle from Arrivals door B".into()),
        place_zh: Some("东涌，接驳车在到达大厅B门".into()),
    };
    c.db.set_merchant_outlet(hotel_id, &hotel_outlet).await.unwrap();
    let noodles_outlet = MerchantOutlet {
        accepts: Some(vec![EntitlementKind::Meal, EntitlementKind::Transport]),
        place_en: Some("Terminal 1, level 7, near gate 23".into()),
        place_zh: None,
    };
    c.db.set_merchant_outlet(noodles_id, &noodles_outlet).await.unwrap();
    assert_eq!(c.db.merchant_outlet(noodles_id).await.unwrap(), noodles_outlet);

    let refused_id = Uuid::now_v7();
    let refused = hotel.redeem(refused_id, &qr).await;
    assert_eq!((refused.redeemed, refused.reason.as_str()), (false, "not_taken_here"), "{refused:?}");
    assert!(c.db.redemption(refused_id).await.unwrap().is_none(), "nothing stored");
    let redeemed = noodles.redeem(Uuid::now_v7(), &qr).await;
    assert!(redeemed.redeemed, "{redeemed:?}");

    let places = |station: &'static str| {
        let url = url.clone();
        async move {
            let resp = reqwest::get(format!("{url}/pass/api/places?station={station}")).await.unwrap();
            let cache = resp.headers().get("cache-control").map(|v| v.to_str().unwrap().to_owned());
            (resp.status().as_u16(), cache, resp.json::<serde_json::Value>().await.unwrap())
        }
    };
    let (status, cache, body) = places("hkg").await;
    assert_eq!((status, cache.as_deref()), (200, Some("no-cache")), "{body}");
    assert_eq!(
        body,
        serde_json::json!({"station": "HKG", "outlets": [
            {"name": "Harbour Hotel", "accepts": ["hotel"],
             "place_en": "Tung Chung, shuttle from Arrivals door B", "place_zh": "东涌，接驳车在到达大厅B门"},
            {"name": "Noodle Bar T1", "accepts": ["meal", "transport"],
             "place_en": "Terminal 1, level 7, near gate 23", "place_zh": null},
        ]})
    );
    assert_eq!(places("PVG").await.2["outlets"], serde_json::json!([]));
    for odd in ["H1", "HKG&station=PVG", "%00%00%00"] {
        let (status, _, body) = places(odd).await;
        assert_eq!((status, body["code"].as_str()), (400, Some("station_invalid")), "{odd}: {body}");
    }
    let resp = reqwest::get(format!("{url}/pass/api/places")).await.unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.json::<serde_json::Value>().await.unwrap()["code"], "station_invalid");
    // Withdrawn, or no place any more: not listed.
    assert!(gatecare_server::trust::revoke(&c, hotel_id, clock.now(), clock.now()).await.unwrap().is_some());
    c.db.set_merchant_outlet(noodles_id, &MerchantOutlet { place_en: None, ..noodles_outlet }).await.unwrap();
    assert_eq!(places("HKG").await.2["outlets"], serde_json::json!([]));
    // Its kinds stay: unpublished is not "every kind".
    assert!(!c.db.merchant_outlet(noodles_id).await.unwrap().takes("hotel"));
}

on_both_backends!(a_merchant_pages_cookie_is_its_token_and_dies_with_it);

/// The merchant page's enrolment: only with a merchant's code, answered
/// with a cookie no script reads; the cookie opens the page's API until the
/// administrator revokes the merchant, then nothing.
async fn a_merchant_pages_cookie_is_its_token_and_dies_with_it<D: Database>(db: D) {
    let clock = TestClock::at(now() + Duration::nanoseconds(5_000_001));
    let c = central(db, &clock);
    let served = serve(c.clone()).await;
    let url = served.url();
    let http = reqwest::Client::new();
    let enrol = |code: String| {
        http.post(format!("{url}/merchant/api/enrol"))
            .json(&serde_json::json!({"code": code, "name": "Noodle Bar T1"}))
            .send()
    };
    // A kiosk's code does not enrol a merchant page, and stays unused.
    let kiosk_code = hkg_code(&c, gatecare_sync::DeviceRole::Kiosk).await;
    let refused = enrol(kiosk_code.clone()).await.unwrap();
    assert_eq!(refused.status(), 403);
    assert!(refused.headers().get("set-cookie").is_none());
    assert_eq!(refused.json::<serde_json::Value>().await.unwrap()["code"], "enrolment_code_wrong_role");
    let code = hkg_code(&c, gatecare_sync::DeviceRole::Merchant).await;
    let enrolled = enrol(code.clone()).await.unwrap();
    assert_eq!(enrolled.status(), 200);
    let set_cookie = enrolled.headers()["set-cookie"].to_str().unwrap().to_owned();
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/merchant"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    let view: serde_json::Value = enrolled.json().await.unwrap();
    assert_eq!((view["station"].as_str(), view["time_zone"].as_str()), (Some("HKG"), Some("Asia/Hong_Kong")));
    assert_eq!(view["offline_limit"], 0);
    assert!(view.get("token").is_none(), "the page never sees its token: {view}");
    // A one-time code: a second page cannot enrol with it.
    assert_eq!(enrol(code).await.unwrap().status(), 403);

    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let lists = || http.get(format!("{url}/merchant/api/lists")).header("cookie", &cookie).send();
    let open = lists().await.unwrap();
    assert_eq!(open.status(), 200);
    assert_eq!(open.headers()["cache-control"], "no-store");
    let body: serde_json::Value = open.json().await.unwrap();
    assert!(body["trust_list"].as_str().unwrap().contains("gatecare-trust-list"), "{body}");
    // Sealed as one by the root, for this till: the page's verifier keeps
    // them only so; a void left out on the way, another till's lists, or
    // lists older than those held are refused.
    let (seal, trust, voids) = (
        body["seal"].as_str().unwrap(),
        body["trust_list"].as_str().unwrap(),
        body["void_list"].as_str().unwrap(),
    );
    let (root, till) = (view["root"]["public_key"].as_str().unwrap(), view["device_id"].as_str().unwrap());
    let open_as = |voids: &str, till: &str, held_ms: f64| {
        let opened = gatecare_verify_web::open_lists_for(seal, trust, voids, root, till, held_ms);
        opened.reason.unwrap_or("kept")
    };
    assert_eq!(open_as(voids, till, 0.0), "kept");
    assert_eq!(open_as(&voids.replacen('[', "[ ", 1), till, 0.0), "lists_altered");
    assert_eq!(open_as(voids, &uuid::Uuid::now_v7().to_string(), 0.0), "lists_for_another_till");
    let at_ms =
        chrono::DateTime::parse_from_rfc3339(body["at"].as_str().unwrap()).unwrap().timestamp_millis();
    assert_eq!(open_as(voids, till, at_ms as f64 + 1.0), "lists_rolled_back");
    assert_eq!(open_as(voids, till, at_ms as f64), "kept");

    // Signing out retires the till: the browser forgets the cookie, and a
    // copy of it is refused like the token it carries.
    // Not from another site's form: JSON only.
    let form = http
        .post(format!("{url}/merchant/api/sign-out"))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("a=1")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 400);
    assert!(form.headers().get("set-cookie").is_none());
    let out = http
        .post(format!("{url}/merchant/api/sign-out"))
        .header("cookie", &cookie)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    assert!(out.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    let device: uuid::Uuid = view["device_id"].as_str().unwrap().parse().unwrap();
    assert!(c.db.device_by_id(device).await.unwrap().unwrap().revoked_at.is_some());
    let closed = lists().await.unwrap();
    assert_eq!(closed.status(), 403);
    assert_eq!(closed.json::<serde_json::Value>().await.unwrap()["code"], "device_revoked");
    let forged = http.get(format!("{url}/merchant/api/me")).header("cookie", "gatecare_merchant=00ff").send();
    assert_eq!(forged.await.unwrap().status(), 401);
}
