//! Service recovery across stations (the issue's §5 and seed 002's complaint
//! database): central folds every case the stations logged and counts them
//! per station, category and flight, with the early-warning alerts.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use gatecare_policy::RecoveryPolicy;
use gatecare_recovery::summary::{OverdueCase, RecoverySummary, StationCases};
use gatecare_recovery::{Case, Opened, Status, Update, Urgency, clock, early_warning};
use gatecare_server_database::{Database, DbError};
use uuid::Uuid;

/// Every station's cases folded as the stations fold them; counts for local
/// days `from..=to`.
pub async fn summary<D: Database>(
    db: &D,
    policy: &RecoveryPolicy,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<RecoverySummary, DbError> {
    let mut opened: Vec<Opened> = Vec::new();
    let mut updates: HashMap<Uuid, Vec<(String, Update)>> = HashMap::new();
    let mut skipped = 0;
    for e in db.case_events().await? {
        match e.kind.as_str() {
            // A case belongs to the station of the device that opened it,
            // whatever station its payload names.
            "case_opened" => match serde_json::from_value::<Opened>(e.payload) {
                Ok(mut o) if o.check().is_ok() => {
                    o.station = e.station;
                    opened.push(o)
                }
                _ => skipped += 1,
            },
            _ => match serde_json::from_value::<Update>(e.payload) {
                Ok(u) => updates.entry(u.case_id).or_default().push((e.station, u)),
                Err(_) => skipped += 1,
            },
        }
    }
    let warning = early_warning(&opened, gatecare_reference::time_zone, from, to, policy.alert_threshold);
    let mut stations: BTreeMap<String, StationCases> = BTreeMap::new();
    let mut overdue = Vec::new();
    for o in opened {
        let day = o.at.with_timezone(&gatecare_reference::time_zone(&o.station)).date_naive();
        let in_window = day >= from && day <= to;
        // Only devices of the case's own station work it.
        let own: Vec<Update> = updates
            .remove(&o.case_id)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(station, u)| (station == o.station).then_some(u))
            .collect();
        let case = Case::fold(o.clone(), own);
        let c = clock(&case, policy, now);
        let s = stations
            .entry(o.station.clone())
            .or_insert_with(|| StationCases { station: o.station.clone(), ..Default::default() });
        if in_window {
            s.opened += 1;
            s.answered_late += u32::from(c.answered_late);
            s.repeat += u32::from(case.is_repeat());
        }
        if matches!(case.status, Status::New | Status::Open) {
            s.open += 1;
        }
        match c.urgency {
            Urgency::Overdue => {
                s.overdue += 1;
                overdue.push(OverdueCase {
                    case_id: o.case_id,
                    station: o.station.clone(),
                    flight: gatecare_recovery::warning::flight_key(&o),
                    category: o.category,
                    owner: case.owner.as_ref().map(|a| a.name.clone()),
                    first_answer_due: o.first_answer_due,
                });
            }
            Urgency::FollowUpDue => s.follow_up_due += 1,
            _ => {}
        }
    }
    overdue.sort_by_key(|c| c.first_answer_due);
    Ok(RecoverySummary {
        at: now,
        stations: stations.into_values().collect(),
        overdue,
        early_warning: warning,
        skipped_events: skipped,
    })
}
