//! Retention: a device keeps passengers' data only while their care may
//! still need it.
//!
//! A flight's care is closed at the last moment anyone could still be in the
//! station's care for it: its scheduled departure, the latest departure a
//! disruption update expected, the latest departure a passenger was
//! re-routed onto, and the latest complaint case activity, whichever is
//! last; and only once every case on the flight is resolved. A given time
//! after that (the policy's `[retention] days_after_care`, 7 by default)
//! the device forgets the flight's manifest (segments, groups, re-routings,
//! feedback) and, for passengers with no other flight here, the passenger,
//! their loyalty profile, their programme enrolment (the mobile number) and
//! their search tokens. Acknowledged enrolment events lose their mobile
//! number too: central has it. The ledger, the audit log, the cases and the
//! outbox's other events stay: they are the record of what was given.
//! The store runs with `secure_delete` and the log is emptied after a pass,
//! so what is forgotten is not left readable in free pages of the file.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::StoreError;
use crate::store::Store;

/// What one pass forgot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Forgotten {
    /// The flights whose manifest was forgotten.
    pub flights: Vec<String>,
    pub segments: u64,
    pub passengers: u64,
    /// Programme enrolments (each with a mobile number), rows and
    /// acknowledged outbox events.
    pub contacts: u64,
}

impl Forgotten {
    pub fn is_empty(&self) -> bool {
        self.flights.is_empty() && self.contacts == 0
    }
}

#[derive(sqlx::FromRow)]
struct FlightCare {
    id: String,
    scheduled_departure: String,
    /// Every later instant the flight's care runs to, comma-separated.
    later: Option<String>,
}

fn instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim()).ok().map(|t| t.with_timezone(&Utc))
}

impl FlightCare {
    /// When the flight's care closed; `None` when a stored instant cannot be
    /// read, so that flight is kept.
    fn closed_at(&self) -> Option<DateTime<Utc>> {
        let mut last = instant(&self.scheduled_departure)?;
        for t in self.later.as_deref().unwrap_or_default().split(',').filter(|t| !t.trim().is_empty()) {
            last = last.max(instant(t)?);
        }
        Some(last)
    }
}

impl Store {
    /// Forgets passengers' data of flights whose care closed more than
    /// `keep` before `now` (module docs). One transaction; its counts go to
    /// the audit log. Running it again forgets nothing more.
    pub async fn forget_closed_flights(
        &self,
        now: DateTime<Utc>,
        keep: Duration,
    ) -> Result<Forgotten, StoreError> {
        let device = self.enrolled_device().await?.unwrap_or_else(|| "unenrolled".into());
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        // Flights that still have a manifest here, with every instant their
        // care runs to.
        let flights: Vec<FlightCare> = sqlx::query_as(
            "SELECT f.id, f.scheduled_departure, \
               (SELECT group_concat(t) FROM ( \
                  SELECT expected_departure AS t FROM disruption_updates d \
                   WHERE d.flight_id = f.id AND expected_departure IS NOT NULL \
                  UNION ALL SELECT recorded_at FROM disruption_updates d WHERE d.flight_id = f.id \
                  UNION ALL SELECT departure FROM passenger_reroutes r \
                   WHERE r.flight_id = f.id AND departure IS NOT NULL \
                  UNION ALL SELECT opened_at FROM cases c WHERE c.flight_id = f.id \
                  UNION ALL SELECT u.at FROM case_updates u JOIN cases c ON c.case_id = u.case_id \
                   WHERE c.flight_id = f.id)) AS later \
             FROM flights f WHERE EXISTS (SELECT 1 FROM segments s WHERE s.flight_id = f.id) \
             ORDER BY f.id",
        )
        .fetch_all(&mut *tx)
        .await?;
        let due: Vec<String> = flights
            .into_iter()
            .filter(|f| f.closed_at().is_some_and(|closed| closed + keep <= now))
            .map(|f| f.id)
            .collect();
        let mut forgotten = Forgotten::default();
        for flight in due {
            if !cases_all_resolved(&mut tx, &flight).await? {
                continue;
            }
            let passengers: Vec<String> =
                sqlx::query_scalar("SELECT passenger_id FROM segments WHERE flight_id = ?")
                    .bind(&flight)
                    .fetch_all(&mut *tx)
                    .await?;
            for delete in [
                "DELETE FROM feedback WHERE flight_id = ?",
                "DELETE FROM passenger_reroutes WHERE flight_id = ?",
            ] {
                sqlx::query(delete).bind(&flight).execute(&mut *tx).await?;
            }
            forgotten.segments += sqlx::query("DELETE FROM segments WHERE flight_id = ?")
                .bind(&flight)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query("DELETE FROM passenger_groups WHERE flight_id = ?")
                .bind(&flight)
                .execute(&mut *tx)
                .await?;
            for passenger in passengers {
                let elsewhere: bool =
                    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM segments WHERE passenger_id = ?)")
                        .bind(&passenger)
                        .fetch_one(&mut *tx)
                        .await?;
                if elsewhere {
                    continue;
                }
                forgotten.contacts += sqlx::query("DELETE FROM enrolments WHERE passenger_id = ?")
                    .bind(&passenger)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                for delete in [
                    "DELETE FROM loyalty_profiles WHERE passenger_id = ?",
                    "DELETE FROM name_index WHERE passenger_id = ?",
                    "DELETE FROM feedback WHERE passenger_id = ?",
                    "DELETE FROM passenger_reroutes WHERE passenger_id = ?",
                ] {
                    sqlx::query(delete).bind(&passenger).execute(&mut *tx).await?;
                }
                forgotten.passengers += sqlx::query("DELETE FROM passengers WHERE id = ?")
                    .bind(&passenger)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
            forgotten.flights.push(flight);
        }
        // Central has an acknowledged enrolment's mobile number; a forgotten
        // passenger's stays nowhere here.
        forgotten.contacts += sqlx::query(
            "UPDATE sync_events SET payload = json_remove(payload, '$.mobile') \
             WHERE kind = 'enrolment' AND acked_at IS NOT NULL \
               AND json_extract(payload, '$.mobile') IS NOT NULL \
               AND json_extract(payload, '$.passenger_id') NOT IN (SELECT id FROM passengers)",
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if !forgotten.is_empty() {
            let details = serde_json::json!({
                "flights": forgotten.flights,
                "segments": forgotten.segments,
                "passengers": forgotten.passengers,
                "contacts": forgotten.contacts,
                "keep_days": keep.num_days(),
            });
            crate::ledger::audit(&mut tx, "retention", &device, "data.forgotten", &details, now).await?;
        }
        tx.commit().await?;
        if !forgotten.is_empty() {
            self.overwrite_forgotten().await?;
        }
        Ok(forgotten)
    }

    /// After a delete of secrets or passengers' data: the deleted rows'
    /// pages were overwritten in the log (`secure_delete`); this copies them
    /// over the file and empties the log, so no old copy stays on disk.
    /// Best effort: a reader holding the log open makes it wait for the
    /// next checkpoint.
    pub async fn overwrite_forgotten(&self) -> Result<(), StoreError> {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(self.pool()).await?;
        Ok(())
    }
}

/// Whether every complaint case on the flight is resolved (or closed): an
/// open case keeps the flight's passengers for the agent answering it.
async fn cases_all_resolved(conn: &mut sqlx::SqliteConnection, flight: &str) -> Result<bool, StoreError> {
    let opened: Vec<(String, String)> = sqlx::query_as("SELECT case_id, body FROM cases WHERE flight_id = ?")
        .bind(flight)
        .fetch_all(&mut *conn)
        .await?;
    if opened.is_empty() {
        return Ok(true);
    }
    let updates: Vec<(String, String)> = sqlx::query_as(
        "SELECT u.case_id, u.body FROM case_updates u JOIN cases c ON c.case_id = u.case_id WHERE c.flight_id = ?",
    )
    .bind(flight)
    .fetch_all(&mut *conn)
    .await?;
    let cases = crate::cases::fold_rows(opened, updates)?;
    Ok(cases.iter().all(|c| {
        matches!(
            c.status,
            gatecare_recovery::case::Status::Resolved | gatecare_recovery::case::Status::Closed
        )
    }))
}
