//! `gatecare ledger …` and `gatecare lease grant`.

use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};
use gatecare_ledger::EntitlementKind;
use gatecare_station::{AuthenticatedAgent, IssueContext, IssueRequest, Station};

use crate::BadInput;

pub async fn open_existing(path: &Path) -> anyhow::Result<Station> {
    if !path.exists() {
        return Err(BadInput(format!("no database at {}", path.display())).into());
    }
    Station::open(path).await.with_context(|| format!("opening {}", path.display()))
}

/// Opens an existing store for its station: the station central enrolled it
/// for replaces the default, and a configured one that differs is refused.
pub async fn open_station(path: &Path, settings: &mut gatecare_station::Settings) -> anyhow::Result<Station> {
    let store = open_existing(path).await?;
    match gatecare_api::device::adopt_enrolment(&store, settings).await {
        Ok(()) => {}
        Err(gatecare_api::device::Adopt::Settings(e)) => return Err(BadInput(e.to_string()).into()),
        Err(gatecare_api::device::Adopt::Store(e)) => return Err(e.into()),
    }
    Ok(store)
}

/// Prints OK or the first broken link; the caller maps `false` to exit 1.
pub async fn verify(path: &Path) -> anyhow::Result<bool> {
    let store = open_existing(path).await?;
    match store.verify_chains().await? {
        Ok((ledger, audit)) => {
            println!("OK: {ledger} ledger records and {audit} audit records, hash chains intact");
            Ok(true)
        }
        Err((which, broken)) => {
            println!("BROKEN: {which} record {}: {}", broken.seq, broken.reason);
            Ok(false)
        }
    }
}

/// The child of the SIGKILL test: issues a statutory meal (ordinal
/// `ordinal`) to the first `count` passengers of the first flight, then
/// journals a print for each. Failpoints come from GATECARE_FAILPOINT.
pub async fn crash_drill(
    path: &Path,
    device: &str,
    ordinal: u32,
    count: u32,
    settings: &mut gatecare_station::Settings,
) -> anyhow::Result<()> {
    use std::io::Write;
    let store = open_station(path, settings).await?;
    let now = settings.clock.now();
    let policy = gatecare_api::device::policy_in_force(&store).await?;
    let actor = AuthenticatedAgent::kiosk(device, settings.station.as_str());
    let ctx = IssueContext::new(device, &actor, &policy, now);
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT s.passenger_id, s.flight_id FROM segments s JOIN flights f ON f.id = s.flight_id \
         ORDER BY f.scheduled_departure, s.check_in_sequence LIMIT ?",
    )
    .bind(count as i64)
    .fetch_all(store.pool())
    .await?;
    let hkd = gatecare_core::Currency::parse("HKD")?;
    let mut out = std::io::stdout().lock();
    for (passenger_id, flight_id) in rows {
        let issued = store
            .issue(
                &ctx,
                &IssueRequest {
                    passenger_id,
                    flight_id,
                    kind: EntitlementKind::Meal,
                    ordinal,
                    value: gatecare_core::Money::new(12000, hkd),
                    statutory: true,
                    customer_stars: 1,
                    approver: None,
                    reason: "crash drill".into(),
                    hotel_block_id: None,
                    details: serde_json::json!({}),
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("{} ({})", e, e.code()))?;
        store.journal_print(&issued, "queued", "drill", "", now).await?;
        gatecare_store::failpoint::hit("print.during");
        store.journal_print(&issued, "printed", "drill", "", now).await?;
        writeln!(out, "ISSUED {} {}", issued.serial, if issued.reprint { "reprint" } else { "new" })?;
        out.flush()?;
    }
    Ok(())
}

pub async fn grant_lease(
    path: &Path,
    scope: &str,
    key: &str,
    device: &str,
    hours: i64,
    by: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    if !(1..=72).contains(&hours) {
        return Err(BadInput("--hours: 1 to 72".into()).into());
    }
    let store = open_existing(path).await?;
    store
        .grant_lease(scope, key, device, now + chrono::Duration::hours(hours), by, now)
        .await
        .map_err(|e| BadInput(e.to_string()))?;
    println!("lease granted: {scope} {key} to {device} for {hours} h");
    Ok(())
}
