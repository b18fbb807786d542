//! Benchmarks. These machines are noisy, so every figure is reported with a
//! baseline measured in the same run on the same data, and as a ratio.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use gatecare_client::Store;
use gatecare_core::AirportCode;

struct Row {
    what: &'static str,
    value: String,
    baseline: &'static str,
    baseline_value: String,
    ratio: f64,
}

fn main() -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let rows = rt.block_on(run())?;
    println!(
        "\n{:<44} {:>14}  {:<40} {:>14} {:>8}",
        "figure", "value", "baseline (same run)", "value", "ratio"
    );
    println!("{}", "-".repeat(126));
    for r in rows {
        println!(
            "{:<44} {:>14}  {:<40} {:>14} {:>7.2}x",
            r.what, r.value, r.baseline, r.baseline_value, r.ratio
        );
    }
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

async fn run() -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    let date = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default();

    let t = Instant::now();
    let day = gatecare_demo::generate(gatecare_demo::DemoConfig::for_date(date));
    let generate = t.elapsed();
    let n = day.passengers.len();

    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("bench.sqlite")).await?;
    let t = Instant::now();
    store.seed_demo(&day, false).await?;
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
    });
    rows.push(Row {
        what: "demo day: seed SQLite (4 tables, indexes)",
        value: ms(seed),
        baseline: "raw INSERT of one row per passenger",
        baseline_value: ms(raw),
        ratio: seed.as_secs_f64() / raw.as_secs_f64(),
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
    });
    Ok(rows)
}
