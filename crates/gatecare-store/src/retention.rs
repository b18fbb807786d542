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
//! number too: central has it. The flight's complaint cases (all resolved
//! by then) keep what was decided and lose who complained and what was
//! written (the name, the booking reference, the complaint's and the
//! notes' words; the profile key that finds a member's earlier cases stays
//! as its digest, so a later complaint still counts this one), in the
//! store and in the outbox's acknowledged events alike. The ledger and the
//! audit log stay whole: they are the record of what was given.
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
    /// Complaint cases that lost their passenger's name and words.
    pub cases: u64,
}

impl Forgotten {
    pub fn is_empty(&self) -> bool {
        self.flights.is_empty() && self.contacts == 0 && self.cases == 0
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
            forgotten.cases += forget_case_words(&mut tx, &flight).await?;
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
                "cases": forgotten.cases,
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

/// What a forgotten case's profile key becomes: its digest, which a later
/// complaint's key is also looked up by (`Station::cases_of_profile`).
pub fn profile_digest(key: &str) -> String {
    use sha2::{Digest, Sha256};
    let hex: String = Sha256::digest(key.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// A case's opening without who complained and what they wrote.
fn case_opened_forgotten(body: &mut serde_json::Value) {
    for field in ["passenger_name", "pnr", "description"] {
        if body.get(field).is_some() {
            body[field] = serde_json::Value::String(String::new());
        }
    }
    if let Some(key) = body.get("profile_key").and_then(|k| k.as_str()).filter(|k| !k.starts_with("sha256:"))
    {
        body["profile_key"] = profile_digest(key).into();
    }
}

/// An update without its words: every note, wherever the change keeps it.
fn case_update_forgotten(body: &mut serde_json::Value) {
    match body {
        serde_json::Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if k == "note" && v.is_string() {
                    *v = serde_json::Value::String(String::new());
                } else {
                    case_update_forgotten(v);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(case_update_forgotten),
        _ => {}
    }
}

/// Forgets who complained about `flight` and what was written, in its cases,
/// their updates and the acknowledged outbox events that carried them;
/// returns how many cases.
async fn forget_case_words(conn: &mut sqlx::SqliteConnection, flight: &str) -> Result<u64, StoreError> {
    let parse = |text: &str| {
        serde_json::from_str::<serde_json::Value>(text).map_err(|e| StoreError::Data(e.to_string()))
    };
    let cases: Vec<(String, String, String)> =
        sqlx::query_as("SELECT case_id, profile_key, body FROM cases WHERE flight_id = ?")
            .bind(flight)
            .fetch_all(&mut *conn)
            .await?;
    for (case_id, key, body) in &cases {
        let mut body = parse(body)?;
        case_opened_forgotten(&mut body);
        let key = if key.starts_with("sha256:") { key.clone() } else { profile_digest(key) };
        sqlx::query("UPDATE cases SET profile_key = ?, body = ? WHERE case_id = ?")
            .bind(key)
            .bind(body.to_string())
            .bind(case_id)
            .execute(&mut *conn)
            .await?;
        let updates: Vec<(String, String)> =
            sqlx::query_as("SELECT update_id, body FROM case_updates WHERE case_id = ?")
                .bind(case_id)
                .fetch_all(&mut *conn)
                .await?;
        for (update_id, body) in updates {
            let mut body = parse(&body)?;
            case_update_forgotten(&mut body);
            sqlx::query("UPDATE case_updates SET body = ? WHERE update_id = ?")
                .bind(body.to_string())
                .bind(update_id)
                .execute(&mut *conn)
                .await?;
        }
        // What central has already: the outbox's copies go the same way.
        let sent: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT seq, kind, payload FROM sync_events WHERE acked_at IS NOT NULL \
               AND kind IN ('case_opened', 'case_updated') AND json_extract(payload, '$.case_id') = ?",
        )
        .bind(case_id)
        .fetch_all(&mut *conn)
        .await?;
        for (seq, kind, payload) in sent {
            let mut payload = parse(&payload)?;
            match kind.as_str() {
                "case_opened" => case_opened_forgotten(&mut payload),
                _ => case_update_forgotten(&mut payload),
            }
            sqlx::query("UPDATE sync_events SET payload = ? WHERE seq = ?")
                .bind(payload.to_string())
                .bind(seq)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(cases.len() as u64)
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
