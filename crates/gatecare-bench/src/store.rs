//! Station benchmarks: look-ups on a million passengers, bulk issuance of a
//! 550-passenger flight, and the PIN hash's cost.

use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use gatecare_core::AirportCode;
use gatecare_ledger::EntitlementKind;
use gatecare_station::{AuthenticatedAgent, IssueContext, LockoutPolicy, Station};

use crate::{Row, ms, us};

fn percentile(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn pct(v: &[Duration]) -> String {
    format!("{} / {}", us(percentile(v.to_vec(), 0.5)), us(percentile(v.to_vec(), 0.99)))
}

/// xorshift, so the query mix is the same every run.
struct Pick(u64);
impl Pick {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

pub async fn lookups() -> anyhow::Result<Vec<Row>> {
    let target: usize =
        std::env::var("GATECARE_BENCH_PASSENGERS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let date = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default();
    let mut config = gatecare_demo::DemoConfig::for_date(date);
    // About 203 passengers a departure.
    config.other_departures = (target / 203).max(1);
    let t = Instant::now();
    let day = gatecare_demo::generate(config);
    let dir = tempfile::tempdir()?;
    let store = Station::open(&dir.path().join("million.sqlite")).await?;
    crate::load_demo(&store, &day).await?;
    println!(
        "look-up store: {} passengers in {} flights, built in {:.0} s",
        day.passengers.len(),
        day.flights.len(),
        t.elapsed().as_secs_f64()
    );

    let n = 2000;
    let mut pick = Pick(0x1234_5678);
    let sample: Vec<&gatecare_demo::Passenger> =
        (0..n).map(|_| &day.passengers[pick.below(day.passengers.len())]).collect();
    let hkg = AirportCode::parse("HKG")?;

    let mut point = Vec::with_capacity(n);
    for p in &sample {
        let id = p.id.to_string();
        let t = Instant::now();
        let _: Option<String> = sqlx::query_scalar("SELECT surname FROM passengers WHERE id = ?")
            .bind(&id)
            .fetch_optional(store.pool())
            .await?;
        point.push(t.elapsed());
    }
    let mut pass = Vec::with_capacity(n);
    for p in &sample {
        let t = Instant::now();
        let parsed = gatecare_bcbp::parse(&p.boarding_pass)?;
        let m = store.match_boarding_pass(&parsed.pass, &hkg, date).await?;
        pass.push(t.elapsed());
        anyhow::ensure!(m.is_ok(), "boarding pass of {} did not match", p.id);
    }
    let mut pnr = Vec::with_capacity(n);
    for p in &sample {
        let t = Instant::now();
        let hits = store.find_by_pnr_surname(p.pnr.as_str(), &p.name.surname).await?;
        pnr.push(t.elapsed());
        anyhow::ensure!(!hits.is_empty());
    }
    let mut ticket = Vec::with_capacity(n);
    for p in &sample {
        let t = Instant::now();
        let hits = store.find_by_ticket(&p.ticket_number).await?;
        ticket.push(t.elapsed());
        anyhow::ensure!(!hits.is_empty());
    }
    let mut ff = Vec::new();
    for p in sample.iter().filter(|p| p.loyalty.is_some()) {
        let number = &p.loyalty.as_ref().map(|l| l.number.clone()).unwrap_or_default();
        let t = Instant::now();
        let hits = store.find_by_frequent_flyer(number).await?;
        ff.push(t.elapsed());
        anyhow::ensure!(!hits.is_empty());
    }
    let mut names = Vec::with_capacity(n);
    for (i, p) in sample.iter().enumerate() {
        // A mix: full Latin name, pinyin of a Chinese name, Chinese characters, a 3-letter prefix.
        let q = match (i % 4, &p.name.native) {
            (1, Some(native)) => native.clone(),
            (2, _) => gatecare_core::fold_to_ascii(&p.name.surname).chars().take(3).collect(),
            _ => format!("{} {}", p.name.surname.to_lowercase(), p.name.given_names.to_lowercase()),
        };
        let t = Instant::now();
        let hits = store.search_names(&q, 20).await?;
        names.push(t.elapsed());
        anyhow::ensure!(!hits.is_empty(), "no hit for {q}");
    }
    let base = percentile(point.clone(), 0.99);
    let row = |what: &'static str, v: &[Duration]| Row {
        what,
        value: pct(v),
        baseline: "indexed point lookup, p50 / p99",
        baseline_value: pct(&point),
        ratio: percentile(v.to_vec(), 0.99).as_secs_f64() / base.as_secs_f64(),
        goal: None,
    };
    Ok(vec![
        row("lookup 1M: boarding-pass match p50/p99", &pass),
        row("lookup 1M: PNR + surname p50/p99", &pnr),
        row("lookup 1M: ticket number p50/p99", &ticket),
        row("lookup 1M: FF number p50/p99", &ff),
        row("lookup 1M: name search p50/p99", &names),
    ])
}

pub async fn bulk_and_pins() -> anyhow::Result<Vec<Row>> {
    let date = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default();
    let mut config = gatecare_demo::DemoConfig::for_date(date);
    config.other_departures = 0;
    let mut day = gatecare_demo::generate(config);
    // CZ342 grown to 550 passengers: copies of its 180 with new ids, PNRs, tickets.
    let originals = day.passengers.clone();
    let mut k = 0u64;
    while day.passengers.len() < 550 {
        let mut p = originals[(k as usize) % originals.len()].clone();
        k += 1;
        p.id = uuid::Uuid::now_v7();
        p.ticket_number = format!("784{:010}", 9_000_000_000u64 + k);
        p.pnr = gatecare_core::Pnr::parse(&format!("X{:05}", k))?;
        p.group = None;
        p.loyalty = None;
        day.passengers.push(p);
    }
    let dir = tempfile::tempdir()?;
    let store = Station::open(&dir.path().join("bulk.sqlite")).await?;
    crate::load_demo(&store, &day).await?;
    let flight = day.flights[0].id.to_string();
    let policy = gatecare_policy::Policy::default_policy();
    let at: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-11-22T17:00:00+08:00")?.to_utc();
    let actor = AuthenticatedAgent::kiosk("HKG-G28", "HKG");
    let ctx = IssueContext::new("HKG-G28", &actor, &policy, at);
    let t = Instant::now();
    let summary =
        gatecare_bulk::Bulk(&store).issue_bulk(&ctx, &flight, EntitlementKind::Meal, |_, _| {}).await?;
    let bulk = t.elapsed();
    anyhow::ensure!(summary.issued == 550, "issued {}", summary.issued);

    // Baseline: the same number of rows into a bare table, one transaction.
    sqlx::query("CREATE TABLE bench_bulk (a TEXT, b TEXT, c INTEGER)").execute(store.pool()).await?;
    let t = Instant::now();
    let mut tx = store.pool().begin().await?;
    for v in &summary.vouchers {
        sqlx::query("INSERT INTO bench_bulk VALUES (?, ?, ?)")
            .bind(&v.voucher_id)
            .bind(&v.entitlement_key)
            .bind(v.ledger_seq)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    let raw = t.elapsed();

    // PIN verification against a bare SHA-256 of the PIN.
    let t = Instant::now();
    let ok = store.verify_pin("A1001", "246810", at, LockoutPolicy::default()).await?;
    let pin = t.elapsed();
    anyhow::ensure!(ok.is_ok());
    let t = Instant::now();
    for _ in 0..1000 {
        use sha2::Digest;
        std::hint::black_box(sha2::Sha256::digest(b"246810"));
    }
    let sha = t.elapsed() / 1000;

    // An unknown agent code against a known one with a wrong PIN: the same
    // work (issue #25), so codes cannot be told apart by timing. Medians of
    // five, interleaved; no lock-out in the way.
    let patient = LockoutPolicy { max_failures: 1000, lock_minutes: 1 };
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let t = Instant::now();
        anyhow::ensure!(store.verify_pin("A1001", "000000", at, patient).await?.is_err());
        known.push(t.elapsed());
        let t = Instant::now();
        anyhow::ensure!(store.verify_pin("Z9999", "000000", at, patient).await?.is_err());
        unknown.push(t.elapsed());
    }
    known.sort();
    unknown.sort();
    let (known, unknown) = (known[2], unknown[2]);
    Ok(vec![
        Row {
            what: "bulk: 550-passenger flight, meals, one commit",
            value: ms(bulk),
            baseline: "raw INSERT of 550 rows, one commit",
            baseline_value: ms(raw),
            ratio: bulk.as_secs_f64() / raw.as_secs_f64(),
            goal: None,
        },
        Row {
            what: "PIN check: argon2id (m=64 MiB, t=9)",
            value: ms(pin),
            baseline: "plain SHA-256 of the PIN",
            baseline_value: us(sha),
            ratio: pin.as_secs_f64() / sha.as_secs_f64(),
            goal: None,
        },
        Row {
            what: "PIN check: unknown code (dummy hash)",
            value: ms(unknown),
            baseline: "known code, wrong PIN (ratio: faster/slower)",
            baseline_value: ms(known),
            ratio: unknown.min(known).as_secs_f64() / unknown.max(known).as_secs_f64(),
            goal: Some(0.9),
        },
    ])
}
