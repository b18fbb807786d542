//! Benchmarks. These machines are noisy, so every figure is reported with a
//! baseline measured in the same run on the same data, and as a ratio.

mod central;
mod store;
mod verify;
mod vouchers;

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use gatecare_core::AirportCode;
use gatecare_station::Station;

pub(crate) struct Row {
    pub what: &'static str,
    pub value: String,
    pub baseline: &'static str,
    pub baseline_value: String,
    pub ratio: f64,
    /// The least ratio an issue asks for, where it names one: a run that
    /// misses it says so and exits with an error.
    pub goal: Option<f64>,
}

/// `cargo xtask bench` runs every section; `gatecare-bench SECTION…`
/// (demo, care, vouchers, store, lookups, central) runs some.
/// Loads a demo day the way a station gets its data (central's station data
/// and agent records through the store's loader).
pub(crate) async fn load_demo(store: &Station, day: &gatecare_demo::DemoDay) -> anyhow::Result<()> {
    let data = gatecare_demo::station::station_data(day, &[]);
    let agents = gatecare_demo::station::agent_feed_bodies(day, gatecare_store::agents::hash_pin)?;
    gatecare_store_sync::SyncStore(store).load_station_data(&data, &agents, chrono::Utc::now()).await?;
    store.mark_demo_day(day.date).await?;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let wanted: Vec<String> = std::env::args().skip(1).collect();
    let on = |name: &str| wanted.is_empty() || wanted.iter().any(|w| w == name);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let mut rows = Vec::new();
    if on("demo") {
        rows.extend(rt.block_on(run())?);
    }
    if on("care") {
        rows.extend(care()?);
    }
    if on("vouchers") {
        rows.extend(vouchers::bench()?);
        rows.extend(verify::bench()?);
    }
    if on("store") {
        rows.extend(rt.block_on(store::bulk_and_pins())?);
    }
    if on("lookups") {
        rows.extend(rt.block_on(store::lookups())?);
    }
    if on("central") {
        rows.extend(rt.block_on(central::bench())?);
    }
    println!(
        "\n{:<46} {:>20}  {:<36} {:>20} {:>9}  goal",
        "figure", "value", "baseline (same run)", "value", "ratio"
    );
    println!("{}", "-".repeat(150));
    let mut missed = Vec::new();
    for r in &rows {
        let goal = match r.goal {
            Some(g) if r.ratio >= g => format!("≥{g:.2}x met"),
            Some(g) => {
                missed.push(format!("{} ({:.2}x, goal ≥{g:.2}x)", r.what, r.ratio));
                format!("≥{g:.2}x MISSED")
            }
            None => String::new(),
        };
        println!(
            "{:<46} {:>20}  {:<36} {:>20} {:>8.2}x  {goal}",
            r.what, r.value, r.baseline, r.baseline_value, r.ratio
        );
    }
    anyhow::ensure!(missed.is_empty(), "goals missed: {}", missed.join("; "));
    Ok(())
}

pub(crate) fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

pub(crate) fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

/// The care engine on a 550-passenger flight: every passenger evaluated
/// (regimes, timeline, compensation), star-rated, and the flight ordered.
fn care() -> anyhow::Result<Vec<Row>> {
    use gatecare_care::priority::{PriorityInput, order};
    use gatecare_care::{ScenarioInput, evaluate};
    use gatecare_policy::Policy;
    use gatecare_policy::stars::{StarInputs, rate};

    let policy = Policy::default_policy();
    let input: ScenarioInput = serde_json::from_value(serde_json::json!({
        "origin": "HKG", "destination": "KMG", "operating_carrier": "CZ", "disruption": "delay",
        "cause": "technical", "scheduled_departure": "2026-11-22T13:30:00+08:00",
        "scheduled_arrival": "2026-11-22T16:00:00+08:00", "expected_departure": "2026-11-23T03:30:00+08:00",
        "expected_arrival": "2026-11-23T06:00:00+08:00", "at": "2026-11-22T22:30:00+08:00"
    }))?;
    let scenario = input.check()?;
    let n = 550;
    let profiles: Vec<StarInputs> = (0..n)
        .map(|i| StarInputs {
            complaints_filed: (i % 3) as u8,
            recovery_cases: (i % 2) as u8,
            service_sensitivity: (i % 4) as u8,
            flights_last_12_months: (i % 90) as u16,
            weekday_share_pct: (i % 100) as u8,
            booking_class: ['F', 'J', 'W', 'Y', 'K', 'V'][i % 6],
            channel: ["direct", "agent", "online_travel_site"][i % 3].into(),
            occupation: ["executive", "engineer", "student"][i % 3].into(),
            staff_notes: vec![],
            tier: None,
        })
        .collect();

    let rounds = 30;
    let mut flight = Duration::ZERO;
    let mut json = Duration::ZERO;
    for _ in 0..rounds {
        let t = Instant::now();
        let mut stars = Vec::with_capacity(n);
        let mut evals = Vec::with_capacity(n);
        for (i, prof) in profiles.iter().enumerate() {
            let mut s = scenario.clone();
            s.passenger.special_assistance = i % 50 == 0;
            evals.push(evaluate(&s, &policy));
            stars.push(rate(prof, &policy));
        }
        let queue: Vec<PriorityInput> = stars
            .iter()
            .enumerate()
            .map(|(i, r)| PriorityInput {
                id: i.to_string(),
                pnr: format!("P{}", i / 3),
                needs: vec![],
                age: Some(30 + (i % 50) as u16),
                stars: r.stars,
                tier: gatecare_core::LoyaltyTier::None,
                group_id: (i % 10 == 0).then(|| format!("G{}", i / 100)),
                group_leader: i % 100 == 0,
            })
            .collect();
        let placed = order(&queue, gatecare_care::priority::PriorityBasis::POLICY);
        flight += t.elapsed();
        // Baseline: serialising the same results to JSON, which every caller does anyway.
        let t = Instant::now();
        let text = serde_json::to_string(&(&evals, &stars, &placed))?;
        json += t.elapsed();
        std::hint::black_box(text);
    }
    let flight = flight / rounds;
    let json = json / rounds;
    Ok(vec![
        Row {
            what: "care: 550-passenger flight (eval+stars+order)",
            value: ms(flight),
            baseline: "serde_json of the same results",
            baseline_value: ms(json),
            ratio: flight.as_secs_f64() / json.as_secs_f64(),
            goal: None,
        },
        Row {
            what: "care: per passenger",
            value: us(flight / n as u32),
            baseline: "serde_json per passenger",
            baseline_value: us(json / n as u32),
            ratio: flight.as_secs_f64() / json.as_secs_f64(),
            goal: None,
        },
    ])
}

async fn run() -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    let date = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default();

    let t = Instant::now();
    let day = gatecare_demo::generate(gatecare_demo::DemoConfig::for_date(date));
    let generate = t.elapsed();
    let n = day.passengers.len();

    let dir = tempfile::tempdir()?;
    let store = Station::open(&dir.path().join("bench.sqlite")).await?;
    let t = Instant::now();
    load_demo(&store, &day).await?;
    let seed = t.elapsed();

    // Baseline: the same number of rows into one bare table, one transaction.
    let pool = store.pool();
    sqlx::query("CREATE TABLE bench_raw (id TEXT, surname TEXT, given TEXT, pnr TEXT)").execute(pool).await?;
    let t = Instant::now();
    let mut tx = pool.begin().await?;
    for p in &day.passengers {
        sqlx::query("INSERT INTO bench_raw VALUES (?, ?, ?, ?)")
            .bind(p.id.to_string())
            .bind(&p.name.surname)
            .bind(&p.name.given_names)
            .bind(p.pnr.as_str())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    let raw = t.elapsed();

    rows.push(Row {
        what: "demo day: generate",
        value: ms(generate),
        baseline: "raw INSERT of one row per passenger",
        baseline_value: ms(raw),
        ratio: generate.as_secs_f64() / raw.as_secs_f64(),
        goal: None,
    });
    rows.push(Row {
        what: "demo day: seed SQLite (4 tables, indexes)",
        value: ms(seed),
        baseline: "raw INSERT of one row per passenger",
        baseline_value: ms(raw),
        ratio: seed.as_secs_f64() / raw.as_secs_f64(),
        goal: None,
    });
    println!("demo day: {} flights, {n} passengers", day.flights.len());

    // The flights board against an indexed point lookup.
    let hkg = AirportCode::parse("HKG")?;
    let from = day.flights.iter().map(|f| f.scheduled_departure).min().unwrap_or_default();
    let rounds = 50;
    let t = Instant::now();
    for _ in 0..rounds {
        store.flight_board(&hkg, from, from + chrono::Duration::days(1)).await?;
    }
    let board = t.elapsed() / rounds;
    let id = day.flights[0].id.to_string();
    let t = Instant::now();
    for _ in 0..rounds * 20 {
        let _: (String,) =
            sqlx::query_as("SELECT carrier FROM flights WHERE id = ?").bind(&id).fetch_one(pool).await?;
    }
    let point = t.elapsed() / (rounds * 20);
    rows.push(Row {
        what: "flights board (150 flights, counts)",
        value: us(board),
        baseline: "indexed point lookup",
        baseline_value: us(point),
        ratio: board.as_secs_f64() / point.as_secs_f64(),
        goal: None,
    });
    Ok(rows)
}
