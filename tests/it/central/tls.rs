//! Central over HTTPS with the airline's own CA: a kiosk enrolled with the
//! CA syncs; one without it refuses central's certificate and stores
//! nothing; plain HTTP to the TLS port gets nowhere.

use std::path::Path;
use std::process::Command;

use chrono::Duration;
use gatecare_link::{CentralClient, enrol_with_central, enrol_with_central_trusting, sync_once};
use gatecare_server::enrolment;
use gatecare_server_database::Database;
use gatecare_station::Station;
use gatecare_sync::DeviceRole;

use super::harness::{self, TestClock, central, sqlite_db};
use super::story::now;
use crate::support::seeded_store;

/// A test CA and a certificate for localhost / 127.0.0.1 signed by it.
pub(crate) fn certificates(dir: &Path) -> (String, Vec<u8>, Vec<u8>) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl");
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Gatecare Test CA",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "central.key",
        "-out",
        "central.csr",
        "-subj",
        "/CN=localhost",
    ]);
    std::fs::write(dir.join("ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n").unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "central.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "central.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
    let read = |f: &str| std::fs::read(dir.join(f)).unwrap();
    (String::from_utf8(read("ca.pem")).unwrap(), read("central.pem"), read("central.key"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kiosks_sync_over_https_with_the_airline_ca() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates(dir.path());
    let clock = TestClock::at(now());
    let c = central(sqlite_db(dir.path()).await, &clock);
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = tcp.local_addr().unwrap().port();
    assert!(
        gatecare_server::tls::listener(
            tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
            b"not a certificate",
            &key,
            64
        )
        .is_err()
    );
    let tls = gatecare_server::tls::listener(tcp, &cert, &key, 64).unwrap();
    let app = gatecare_server::router(c.clone());
    let server = tokio::spawn(async move {
        let _ = axum::serve(tls, app).await;
    });
    let url = format!("https://localhost:{port}");

    // Plain HTTP to the TLS port gets no answer.
    assert!(reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await.is_err());

    // A kiosk that does not trust the airline's CA refuses central and
    // stores no enrolment.
    let code = || enrolment::issue_enrolment_code(&c.db, "HKG", DeviceRole::Kiosk, Duration::hours(1), now());
    let stranger_dir = tempfile::tempdir().unwrap();
    seeded_store(&stranger_dir.path().join("k.sqlite"), 1).await;
    let stranger = Station::open(&stranger_dir.path().join("k.sqlite")).await.unwrap();
    let e = enrol_with_central(
        &stranger,
        &url,
        &code().await.unwrap(),
        &harness::root_fingerprint(),
        "HKG-K09",
        now(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), "sync.offline", "{e}");
    assert!(stranger.enrolment().await.unwrap().is_none());
    // A CA file that is not PEM is refused before anything is sent.
    let e = enrol_with_central_trusting(
        &stranger,
        &url,
        Some("garbage"),
        &code().await.unwrap(),
        &harness::root_fingerprint(),
        "HKG-K09",
        now(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), "sync.protocol", "{e}");

    // With the CA it enrols, and its events reach central over TLS.
    let kiosk_dir = tempfile::tempdir().unwrap();
    let day = seeded_store(&kiosk_dir.path().join("k.sqlite"), 1).await;
    let kiosk = Station::open(&kiosk_dir.path().join("k.sqlite")).await.unwrap();
    let enrolment = enrol_with_central_trusting(
        &kiosk,
        &url,
        Some(&ca),
        &code().await.unwrap(),
        &harness::root_fingerprint(),
        "HKG-K01",
        now(),
    )
    .await
    .unwrap();
    assert_eq!(kiosk.enrolment().await.unwrap().unwrap().ca_pem.as_deref(), Some(ca.as_str()));
    let f = day.flights.iter().find(|f| f.designator.to_string() == "CZ342").unwrap();
    let p = day.passengers.iter().find(|p| p.flight_id == f.id).unwrap();
    kiosk
        .open_case(
            &gatecare_station::cases::NewCase {
                passenger_id: p.id.to_string(),
                flight_id: f.id.to_string(),
                category: gatecare_recovery::Category::Information,
                severity: gatecare_recovery::Severity::Low,
                description: String::new(),
            },
            gatecare_recovery::Actor::Kiosk { device: "HKG-K01".into() },
            &gatecare_policy::Policy::default_policy(),
            now(),
        )
        .await
        .unwrap();
    // The stored enrolment (with its CA) is what the worker uses.
    let stored = kiosk.enrolment().await.unwrap().unwrap();
    let client = CentralClient::for_enrolment(&stored).unwrap();
    let round = sync_once(&kiosk, &client, &enrolment, "HKG-K01", now()).await.unwrap();
    assert_eq!(round.pushed, 1, "{round:?}");
    assert_eq!(c.db.case_events().await.unwrap().len(), 1);
    server.abort();
}

/// Found by a review: over TLS every TCP connection was taken from the
/// kernel at once, its handshake given 10 s, and a finished one waited for
/// a place without limit, so stalled handshakes could still exhaust
/// central's file descriptors. Now the connections it holds, served or in
/// their handshake, are bounded, and central answers promptly while
/// 1,500 clients stall their handshakes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_tls_handshakes_hold_no_more_sockets_than_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates(dir.path());
    let clock = TestClock::at(now());
    let c = central(sqlite_db(dir.path()).await, &clock);
    gatecare_server::serve::raise_file_limit(4000);
    let start = |max_connections: usize| {
        let (c, cert, key) = (c.clone(), cert.clone(), key.clone());
        async move {
            let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = tcp.local_addr().unwrap();
            let tls = gatecare_server::tls::listener(tcp, &cert, &key, max_connections).unwrap();
            let limits = gatecare_server::serve::Limits { max_connections, ..Default::default() };
            let app = gatecare_server::router(c);
            tokio::spawn(gatecare_server::serve::serve(tls, app, limits, std::future::pending()));
            addr
        }
    };
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(ca.as_bytes()).unwrap())
        .timeout(std::time::Duration::from_secs(2))
        .build()
        .unwrap();
    let healthz = |port: u16| {
        let client = client.clone();
        async move { client.get(format!("https://localhost:{port}/healthz")).send().await }
    };
    // The connections central holds on `port`: this process's sockets (other
    // tests' too) whose local end is that port. Connections still in the
    // kernel's accept queue have no descriptor, so they are not counted.
    let held_on = |port: u16| {
        let inodes: std::collections::HashSet<String> = std::fs::read_dir("/proc/self/fd")
            .unwrap()
            .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
            .filter_map(|l| {
                let l = l.to_string_lossy().into_owned();
                Some(l.strip_prefix("socket:[")?.strip_suffix(']')?.to_owned())
            })
            .collect();
        let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
        table
            .lines()
            .skip(1)
            .filter(|line| {
                let cols: Vec<&str> = line.split_whitespace().collect();
                let local_port = cols[1].rsplit(':').next().and_then(|p| u16::from_str_radix(p, 16).ok());
                local_port == Some(port) && cols[3] != "0A" && inodes.contains(cols[9])
            })
            .count()
    };
    let stall = |addr: std::net::SocketAddr, n: usize| async move {
        let mut held = Vec::with_capacity(n);
        for _ in 0..n {
            // Connected, and never a byte of a handshake.
            held.push(tokio::net::TcpStream::connect(addr).await.unwrap());
        }
        held
    };

    // With the default cap, 1,500 stalled handshakes leave room: a real
    // client is answered within 2 s.
    let open = start(gatecare_server::serve::Limits::default().max_connections).await;
    let stalled = stall(open, 1500).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let asked = std::time::Instant::now();
    let r = healthz(open.port()).await.expect("healthz over TLS within 2 s");
    assert_eq!(r.status(), 200);
    assert!(asked.elapsed() < std::time::Duration::from_secs(2));
    drop(stalled);

    // With a cap of 50, central takes no more than 50 of 300 stalled
    // connections from the kernel; the rest wait there, costing it nothing.
    let capped = start(50).await;
    let stalled = stall(capped, 300).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let taken = held_on(capped.port());
    assert!(
        (1..=50).contains(&taken),
        "central holds {taken} sockets for 300 stalled clients, its cap is 50"
    );
    // When they go, central serves again at once.
    drop(stalled);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let r = healthz(capped.port()).await.expect("healthz over TLS once the stalled clients left");
    assert_eq!(r.status(), 200);
}
