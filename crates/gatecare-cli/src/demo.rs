//! The demo station: the deterministic day at HKG loaded the way a real
//! station gets its data — as central's station data and agent records,
//! through the store's own loader — plus a few complaint cases so the
//! console's recovery screens have something to show.

use chrono::{DateTime, Duration, Utc};
use gatecare_policy::Policy;
use gatecare_policy::Role;
use gatecare_recovery::{Actor, Category, Change, Remedy, Severity};
use gatecare_station::cases::{NewCase, agent_ref};
use gatecare_station::{AuthenticatedAgent, Station};
use gatecare_store_sync::SyncStore;

/// Loads the demo day into `store` through the station-data path (once: a
/// store that has flights keeps them). Returns whether it loaded.
pub async fn load(store: &Station, day: &gatecare_demo::DemoDay, now: DateTime<Utc>) -> anyhow::Result<bool> {
    let (flights, _) = store.counts().await?;
    if flights > 0 {
        return Ok(false);
    }
    let data = gatecare_demo::station::known_at(gatecare_demo::station::station_data(day, &[]), now);
    let agents = gatecare_demo::station::agent_feed_bodies(day, gatecare_store::agents::hash_pin)?;
    SyncStore(store).load_station_data(&data, &agents, now).await?;
    store.mark_demo_day(day.date).await?;
    Ok(true)
}

/// Complaint cases for the demo, all about today's CZ342 (so the
/// console shows an unowned case, one in progress, a resolved one, a
/// repeat failure and an early-warning alert). Only into a store
/// without cases; returns how many were opened.
pub async fn seed_cases(
    store: &Station,
    day: &gatecare_demo::DemoDay,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<usize, gatecare_station::cases::RecoveryError> {
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases").fetch_one(store.pool()).await?;
    let Some(f) = day.flights.iter().find(|f| f.designator.to_string() == "CZ342") else { return Ok(0) };
    if existing > 0 {
        return Ok(0);
    }
    // The demo's own agents, as if signed in (their PINs are in the README).
    let agent = |role: gatecare_demo::Role, as_role: Role| {
        day.agents.iter().find(|a| a.role == role).map(|a| AuthenticatedAgent {
            id: a.id.to_string(),
            code: a.code.to_owned(),
            name: a.name.to_owned(),
            role: as_role,
            station: a.station.to_string(),
        })
    };
    let (Some(agent), Some(sup)) = (
        agent(gatecare_demo::Role::Agent, Role::Agent),
        agent(gatecare_demo::Role::Supervisor, Role::Supervisor),
    ) else {
        return Ok(0);
    };
    let members: Vec<&gatecare_demo::Passenger> = day
        .passengers
        .iter()
        .filter(|p| p.flight_id == f.id && p.loyalty.is_some() && p.group.is_none())
        .take(5)
        .collect();
    if members.len() < 5 {
        return Ok(0);
    }
    let kiosk = Actor::Kiosk { device: format!("{}-K01", day.station) };
    let open = |i: usize, category: Category, text: &str| NewCase {
        passenger_id: members[i].id.to_string(),
        flight_id: f.id.to_string(),
        category,
        severity: if i == 0 { Severity::High } else { Severity::Medium },
        description: text.to_owned(),
    };
    let at = |minutes_ago: i64| now - Duration::minutes(minutes_ago);
    let texts = [
        (0, Category::DelayHandling, 150, "Nobody has told us why we are waiting"),
        (1, Category::DelayHandling, 120, "The information desk had no new time"),
        (2, Category::VoucherRefused, 100, "The noodle bar would not take the meal voucher"),
        (3, Category::Information, 90, "Gate changed without an announcement"),
        (4, Category::DelayHandling, 45, "Four hours and still no hotel"),
    ];
    let mut ids = Vec::new();
    for (i, category, minutes, text) in texts {
        let new = open(i, category, text);
        let by = if i == 2 { Actor::Agent(agent_ref(&agent)) } else { kiosk.clone() };
        ids.push(store.open_case(&new, by, policy, at(minutes)).await?.opened.case_id);
    }
    // In progress: the agent took the refused voucher and told the passenger.
    store.update_case(ids[2], Change::Take, &agent, at(95)).await?;
    let told = "We called the restaurant; a replacement voucher is on its way";
    store
        .update_case(ids[2], Change::Progress { note: told.into(), told_passenger: true }, &agent, at(80))
        .await?;
    // Resolved: an apology and miles for the missed announcement…
    store.update_case(ids[3], Change::Take, &sup, at(85)).await?;
    store
        .resolve_case(
            ids[3],
            vec![Remedy::Apology, Remedy::Miles { miles: 2000 }],
            "Apologised at the gate",
            &sup,
            None,
            3,
            policy,
            at(60),
        )
        .await?;
    // …and the same passenger complains again: a repeat failure.
    let again = NewCase {
        passenger_id: members[3].id.to_string(),
        flight_id: f.id.to_string(),
        category: Category::HotelProblem,
        severity: Severity::High,
        description: "The hotel shuttle never came".into(),
    };
    store.open_case(&again, kiosk, policy, at(20)).await?;
    Ok(ids.len() + 1)
}
