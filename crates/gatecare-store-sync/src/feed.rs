//! The store's side of sync: this device's outgoing event log and what
//! central acknowledged, and the station feed applied page by page
//! (`gatecare-link` talks to central; the enrolment it reads is the store's).
//!
//! A page of the feed and the cursor that follows it are applied in one
//! transaction, so a crash between pages repeats a page (harmlessly) and
//! never skips one. Items other devices recorded (re-routings, staff
//! requests, refund choices, case events) are kept as they arrive.

use chrono::{DateTime, Utc};
use gatecare_sync::{Event, EventKind, FeedItem, FeedPage, PageError, PushResponse, Topic};
use serde::Serialize;

use gatecare_store::StoreError;
use gatecare_store::store::{parse_time, rfc3339};

use crate::SyncStore;

/// What the UI shows about sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncStatus {
    pub enrolled: bool,
    pub central_url: Option<String>,
    /// Events not yet acknowledged by central.
    pub backlog: i64,
    pub last_push_at: Option<DateTime<Utc>>,
    pub last_pull_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    /// Double issuances central reported at this station.
    pub conflicts: i64,
    /// Events central refused (they had no effect there), and the latest
    /// refusal's code and reason; kept here, they never hold up the rest.
    pub refused: i64,
    pub last_refusal: Option<String>,
    pub cursor: i64,
    /// Feed pages refused (not signed by the pinned root key, or not made
    /// for this device): nothing of them was stored.
    pub feed_refused: i64,
    pub last_feed_refusal: Option<String>,
    /// Central's time on the newest page this device accepted.
    pub feed_signed_at: Option<DateTime<Utc>>,
    /// Enrolled and the last round reached central.
    pub online: bool,
}

impl SyncStore<'_> {
    /// Appends an event to this device's outgoing log (for modules whose
    /// facts are not ledger entries: case updates, profile notes).
    pub async fn record_event(
        &self,
        kind: EventKind,
        payload: &serde_json::Value,
        at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        if !payload.is_object() || payload.to_string().len() > gatecare_sync::MAX_PAYLOAD_BYTES {
            return Err(StoreError::Data("an event payload is a JSON object of at most 16 KiB".into()));
        }
        let mut tx = self.pool().begin().await?;
        let seq = gatecare_store::ledger::append_sync(&mut tx, kind.as_str(), payload, at).await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// The oldest events central has not acknowledged, in order.
    pub async fn unacked_events(&self, limit: i64) -> Result<Vec<Event>, StoreError> {
        /// An outgoing event as `sync_events` holds it.
        #[derive(sqlx::FromRow)]
        struct SyncEventRow {
            seq: i64,
            event_id: String,
            kind: String,
            payload: String,
            created_at: String,
        }
        let rows = sqlx::query_as::<_, SyncEventRow>(
            "SELECT seq, event_id, kind, payload, created_at FROM sync_events \
             WHERE seq > COALESCE((SELECT MAX(seq) FROM sync_acks), 0) ORDER BY seq LIMIT ?",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|r| {
                let kind = r.kind;
                Ok(Event {
                    seq: r.seq,
                    event_id: uuid::Uuid::parse_str(&r.event_id)
                        .map_err(|e| StoreError::Data(e.to_string()))?,
                    kind: EventKind::parse(&kind)
                        .ok_or_else(|| StoreError::Data(format!("sync event kind {kind}")))?,
                    at: parse_time(r.created_at)?,
                    payload: serde_json::from_str(&r.payload).map_err(|e| StoreError::Data(e.to_string()))?,
                })
            })
            .collect()
    }

    /// Records central's acknowledgements (and any conflict it reports).
    pub async fn record_acks(&self, resp: &PushResponse, now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        for a in &resp.acks {
            let outcome = serde_json::to_string(&a.outcome).map_err(|e| StoreError::Data(e.to_string()))?;
            sqlx::query(
                "INSERT INTO sync_acks (seq, server_seq, outcome, acked_at) VALUES (?, ?, ?, ?) ON CONFLICT (seq) DO NOTHING",
            )
            .bind(a.seq)
            .bind(a.server_seq)
            .bind(&outcome)
            .bind(rfc3339(now))
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE sync_events SET acked_at = ? WHERE seq = ? AND acked_at IS NULL")
                .bind(rfc3339(now))
                .bind(a.seq)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "UPDATE sync_cursor SET last_push_at = ?, last_error = NULL, last_error_at = NULL WHERE id = 1",
        )
        .bind(rfc3339(now))
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO settings (key, value) VALUES ('last_sync_at', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(rfc3339(now))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn feed_cursor(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT after FROM sync_cursor WHERE id = 1").fetch_one(self.pool()).await?)
    }

    /// The highest seq this device has logged, sent or not (0: none).
    pub async fn logged_seq(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM sync_events").fetch_one(self.pool()).await?)
    }

    /// Applies one page of the feed (opened: its signature checked) and
    /// moves the cursor, atomically.
    pub async fn apply_feed_page(
        &self,
        page: &FeedPage,
        my_device: uuid::Uuid,
        my_code: &str,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let mut tx = self.pool().begin().await?;
        for item in &page.items {
            apply_item(&mut tx, item, my_device, my_code).await?;
        }
        sqlx::query(
            "UPDATE sync_cursor SET after = MAX(after, ?), last_pull_at = ?, last_error = NULL, last_error_at = NULL, \
             feed_signed_at = CASE WHEN feed_signed_at IS NULL OR feed_signed_at < ?3 THEN ?3 ELSE feed_signed_at END \
             WHERE id = 1",
        )
        .bind(page.next_after)
        .bind(rfc3339(now))
        .bind(rfc3339(page.at))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(page.items.len())
    }

    /// Central's time on the newest page this device accepted.
    pub async fn feed_signed_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let at: Option<String> = sqlx::query_scalar("SELECT feed_signed_at FROM sync_cursor WHERE id = 1")
            .fetch_one(self.pool())
            .await?;
        at.map(parse_time).transpose()
    }

    /// Counts a page that did not verify; nothing of it is stored.
    pub async fn record_page_refusal(&self, e: &PageError, now: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE sync_cursor SET feed_refused = feed_refused + 1, last_feed_refusal = ?, \
             last_error = ?, last_error_at = ? WHERE id = 1",
        )
        .bind(format!("{}: {e}", e.code()))
        .bind(format!("sync.page_refused: {}: {e}", e.code()))
        .bind(rfc3339(now))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Keeps the last sync error (its stable code and its words) for the status.
    pub async fn record_sync_error(
        &self,
        code: &str,
        message: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE sync_cursor SET last_error = ?, last_error_at = ? WHERE id = 1")
            .bind(format!("{code}: {message}"))
            .bind(rfc3339(now))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn sync_status(&self) -> Result<SyncStatus, StoreError> {
        let enrolment = self.enrolment().await?;
        /// The sync cursor with the counts the status shows.
        #[derive(sqlx::FromRow)]
        struct SyncStatusRow {
            after: i64,
            last_pull_at: Option<String>,
            last_push_at: Option<String>,
            last_error: Option<String>,
            last_error_at: Option<String>,
            feed_refused: i64,
            last_feed_refusal: Option<String>,
            feed_signed_at: Option<String>,
            backlog: i64,
            conflicts: i64,
            refused: i64,
            last_refusal: Option<String>,
        }
        let row = sqlx::query_as::<_, SyncStatusRow>(
            "SELECT after, last_pull_at, last_push_at, last_error, last_error_at, feed_refused, last_feed_refusal, feed_signed_at, \
             (SELECT COUNT(*) FROM sync_events WHERE seq > COALESCE((SELECT MAX(seq) FROM sync_acks), 0)) AS backlog, \
             (SELECT COUNT(*) FROM sync_conflicts) AS conflicts, \
             (SELECT COUNT(*) FROM sync_acks WHERE json_extract(outcome, '$.result') = 'refused') AS refused, \
             (SELECT json_extract(outcome, '$.code') || ': ' || json_extract(outcome, '$.reason') FROM sync_acks \
               WHERE json_extract(outcome, '$.result') = 'refused' ORDER BY seq DESC LIMIT 1) AS last_refusal \
             FROM sync_cursor WHERE id = 1",
        )
        .fetch_one(self.pool())
        .await?;
        let t = |v: Option<String>| v.map(parse_time).transpose();
        let contacted = row.last_pull_at.is_some();
        Ok(SyncStatus {
            online: enrolment.is_some() && contacted && row.last_error.is_none(),
            enrolled: enrolment.is_some(),
            central_url: enrolment.map(|e| e.central_url),
            backlog: row.backlog,
            last_push_at: t(row.last_push_at)?,
            last_pull_at: t(row.last_pull_at)?,
            last_error: row.last_error,
            last_error_at: t(row.last_error_at)?,
            conflicts: row.conflicts,
            refused: row.refused,
            last_refusal: row.last_refusal,
            cursor: row.after,
            feed_refused: row.feed_refused,
            last_feed_refusal: row.last_feed_refusal,
            feed_signed_at: t(row.feed_signed_at)?,
        })
    }

    /// Double issuances central reported at this station.
    pub async fn sync_conflicts(&self) -> Result<Vec<gatecare_sync::ConflictReport>, StoreError> {
        let rows: Vec<String> = sqlx::query_scalar("SELECT body FROM sync_conflicts ORDER BY detected_at")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|b| serde_json::from_str(b).map_err(|e| StoreError::Data(format!("a conflict report: {e}"))))
            .collect()
    }
}

fn s<'a>(v: &'a serde_json::Value, k: &str) -> &'a str {
    v.get(k).and_then(|x| x.as_str()).unwrap_or("")
}

async fn apply_item(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    item: &FeedItem,
    my_device: uuid::Uuid,
    my_code: &str,
) -> Result<(), StoreError> {
    let b = &item.body;
    match item.topic {
        Topic::Event => {
            let p = b.get("payload").unwrap_or(&serde_json::Value::Null);
            // Redemptions, feedback, enrolments and the rest are kept by
            // central; a kiosk needs only issuance (and voids, below).
            // Another console at the station changed a flight's disruption:
            // this kiosk shows the same cause and time.
            if s(b, "kind") == "disruption_updated" {
                let at = b.get("at").and_then(|v| v.as_str()).unwrap_or("");
                apply_disruption(tx, s(p, "id"), p, at, s(p, "recorded_by")).await?;
            }
            // Complaint cases opened or worked at another device: this
            // console shows the same case, owner and clock.
            if s(b, "kind") == "passenger_rerouted" {
                let at = b.get("at").and_then(|v| v.as_str()).unwrap_or("");
                apply_remote_reroute(tx, p, at).await?;
            }
            if s(b, "kind") == "staff_requested" {
                apply_remote_staff_request(tx, p).await?;
            }
            if s(b, "kind") == "refund_chosen" {
                apply_remote_refund_choice(tx, p, s(b, "device")).await?;
            }
            if matches!(s(b, "kind"), "case_opened" | "case_updated") {
                gatecare_store::cases::apply_remote(tx, s(b, "kind"), p, s(b, "device")).await?;
            }
            if s(b, "kind") == "issued" {
                // One row per voucher: a replacement is a second voucher for
                // the same entitlement.
                sqlx::query(
                    "INSERT INTO remote_vouchers (voucher_id, entitlement_key, device, device_code, flight_id, \
                     passenger_id, kind, serial, value_minor, currency, statutory, issued_at, actor, reason, replaces, \
                     server_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (voucher_id) DO NOTHING",
                )
                .bind(s(p, "voucher_id"))
                .bind(s(p, "entitlement_key"))
                .bind(s(b, "device"))
                .bind(Some(s(p, "device")).filter(|d| !d.is_empty()))
                .bind(s(p, "flight_id"))
                .bind(s(p, "passenger_id"))
                .bind(s(p, "kind"))
                .bind(Some(s(p, "serial")).filter(|v| !v.is_empty()))
                .bind(p.get("value_minor").and_then(|v| v.as_i64()))
                .bind(Some(s(p, "currency")).filter(|v| !v.is_empty()))
                .bind(p.get("statutory").and_then(|v| v.as_bool()).map(i64::from))
                .bind(
                    DateTime::parse_from_rfc3339(s(p, "at")).ok().map(|t| rfc3339(t.with_timezone(&Utc))),
                )
                .bind(Some(s(p, "actor")).filter(|a| !a.is_empty()))
                .bind(Some(s(p, "reason")).filter(|v| !v.is_empty()))
                .bind(Some(s(p, "replaces")).filter(|v| !v.is_empty()))
                .bind(item.server_seq)
                .execute(&mut **tx)
                .await?;
            }
        }
        Topic::Void => {
            sqlx::query("INSERT INTO void_list (voucher_id, voided_at, reason) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
                .bind(s(b, "voucher_id"))
                .bind(s(b, "voided_at"))
                .bind(s(b, "reason"))
                .execute(&mut **tx)
                .await?;
        }
        Topic::TrustList => {
            sqlx::query("INSERT INTO settings (key, value) VALUES ('trust_list', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .bind(b.to_string())
                .execute(&mut **tx)
                .await?;
        }
        Topic::Lease => {
            // Our own leases are stored under this device's local code, which
            // is what issuance checks.
            let device = if s(b, "device") == my_device.to_string() {
                my_code.to_owned()
            } else {
                s(b, "device").to_owned()
            };
            let expires = b.get("expires_at").and_then(|v| v.as_str()).unwrap_or("");
            let expires = DateTime::parse_from_rfc3339(expires)
                .map(|t| rfc3339(t.with_timezone(&Utc)))
                .map_err(|e| StoreError::Data(format!("lease expiry: {e}")))?;
            let granted = DateTime::parse_from_rfc3339(s(b, "granted_at"))
                .map(|t| rfc3339(t.with_timezone(&Utc)))
                .map_err(|e| StoreError::Data(format!("lease time: {e}")))?;
            sqlx::query(
                "INSERT INTO leases (id, scope, key, device, expires_at, granted_by, granted_at) VALUES (?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(s(b, "id"))
            .bind(s(b, "scope"))
            .bind(s(b, "key"))
            .bind(device)
            .bind(expires)
            .bind(s(b, "granted_by"))
            .bind(granted)
            .execute(&mut **tx)
            .await?;
        }
        Topic::FlightUpdate => {
            sqlx::query("INSERT INTO remote_flight_updates (server_seq, flight_id, body) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
                .bind(item.server_seq)
                .bind(s(b, "flight_id"))
                .bind(b.to_string())
                .execute(&mut **tx)
                .await?;
            apply_flight_update(tx, b, &format!("central-{}", item.server_seq), item.at).await?;
        }
        Topic::Agent => apply_agent(tx, b).await?,
        Topic::Flight
        | Topic::Manifest
        | Topic::Loyalty
        | Topic::HotelBlock
        | Topic::Policy
        | Topic::Lounge
        | Topic::StarBands => {
            crate::station_data::apply(tx, item.topic, b).await?;
        }
        Topic::Conflict => {
            sqlx::query(
                "INSERT INTO sync_conflicts (loser_voucher_id, entitlement_key, winner_voucher_id, body, detected_at) \
                 VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            )
            .bind(s(b, "loser_voucher_id"))
            .bind(s(b, "entitlement_key"))
            .bind(s(b, "winner_voucher_id"))
            .bind(b.to_string())
            .bind(rfc3339(item.at))
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// A gate agent as central publishes them (`AgentRecord::feed_body`): a
/// console checks PINs offline against these hashes. Malformed records are
/// skipped: one bad record must not stop the feed.
pub async fn apply_agent(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    b: &serde_json::Value,
) -> Result<(), StoreError> {
    let role = s(b, "role");
    let code = gatecare_core::AgentCode::parse(s(b, "code"));
    if let Ok(code) = code
        && s(b, "pin_hash").starts_with("$argon2id$")
        && gatecare_core::Role::parse(role).is_ok()
    {
        sqlx::query(
                    "INSERT INTO agents (id, code, name, role, station, pin_hash) VALUES (?, ?, ?, ?, ?, ?) \
                     ON CONFLICT (code) DO UPDATE SET name = excluded.name, role = excluded.role, \
                     station = excluded.station, \
                     failed_attempts = CASE WHEN agents.pin_hash <> excluded.pin_hash THEN 0 ELSE agents.failed_attempts END, \
                     locked_until = CASE WHEN agents.pin_hash <> excluded.pin_hash THEN NULL ELSE agents.locked_until END, \
                     pin_hash = excluded.pin_hash",
                )
                .bind(format!("central:{code}"))
                .bind(code.as_str())
                .bind(s(b, "name"))
                .bind(role)
                .bind(s(b, "station"))
                .bind(s(b, "pin_hash"))
                .execute(&mut **tx)
                .await?;
    }
    Ok(())
}

/// A flight's disruption as the operations system published it (station
/// data's `disruptions`): kept under its own id, so a re-import adds nothing.
pub async fn apply_flight_update(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    b: &serde_json::Value,
    fallback_id: &str,
    fallback_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let id = Some(s(b, "id")).filter(|i| !i.is_empty()).unwrap_or(fallback_id);
    let at = DateTime::parse_from_rfc3339(s(b, "recorded_at")).map_or(fallback_at, |t| t.to_utc());
    apply_disruption(tx, id, b, &rfc3339(at), &format!("central:{}", s(b, "recorded_by"))).await
}

/// Records a disruption update from the feed when this store knows the
/// flight and the update is well formed (a delay or a cancellation, as
/// agents and station data record them); anything else is skipped (one bad
/// item must not stop the feed).
async fn apply_disruption(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    id: &str,
    d: &serde_json::Value,
    recorded_at: &str,
    recorded_by: &str,
) -> Result<(), StoreError> {
    let time = |k: &str| -> Option<String> {
        d.get(k)
            .and_then(|v| v.as_str())
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| rfc3339(t.with_timezone(&Utc)))
    };
    let Some(recorded_at) =
        DateTime::parse_from_rfc3339(recorded_at).ok().map(|t| rfc3339(t.with_timezone(&Utc)))
    else {
        return Ok(());
    };
    let kind = s(d, "kind");
    let valid = !id.is_empty()
        && matches!(kind, "delay" | "cancellation")
        && gatecare_care::cause::Cause::parse(s(d, "cause")).is_some();
    let known: bool = sqlx::query_scalar("SELECT COUNT(*) > 0 FROM flights WHERE id = ?")
        .bind(s(d, "flight_id"))
        .fetch_one(&mut **tx)
        .await?;
    if !valid || !known {
        return Ok(());
    }
    // Several causes are kept only when they check as the care engine reads them.
    let causes = d
        .get("causes")
        .and_then(|c| serde_json::from_value::<Vec<gatecare_care::scenario::CauseInput>>(c.clone()).ok())
        .filter(|c| gatecare_care::scenario::parse_causes(c).is_ok())
        .map(|c| serde_json::to_string(&c).unwrap_or_default());
    sqlx::query(
        "INSERT INTO disruption_updates (id, flight_id, kind, cause, expected_departure, expected_arrival, \
         reroute_flight, recorded_at, recorded_by, causes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(s(d, "flight_id"))
    .bind(kind)
    .bind(s(d, "cause"))
    .bind(time("expected_departure"))
    .bind(time("expected_arrival"))
    .bind(
        d.get("reroute_flight")
            .and_then(|v| v.as_str())
            .and_then(|f| gatecare_core::FlightDesignator::parse(f).ok())
            .map(|f| f.to_string()),
    )
    .bind(recorded_at)
    .bind(recorded_by)
    .bind(causes)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A passenger's re-routing another device of the station recorded.
async fn apply_remote_reroute(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    p: &serde_json::Value,
    at: &str,
) -> Result<(), StoreError> {
    let text = |k: &str| p.get(k).and_then(|v| v.as_str()).unwrap_or("");
    let time = |k: &str| DateTime::parse_from_rfc3339(text(k)).ok().map(|t| rfc3339(t.to_utc()));
    let (Some(dep), Some(arr), Some(at)) = (time("departure"), time("arrival"), {
        DateTime::parse_from_rfc3339(at).ok().map(|t| rfc3339(t.to_utc()))
    }) else {
        return Ok(());
    };
    let known: bool =
        sqlx::query_scalar("SELECT COUNT(*) > 0 FROM segments WHERE flight_id = ? AND passenger_id = ?")
            .bind(text("flight_id"))
            .bind(text("passenger_id"))
            .fetch_one(&mut **tx)
            .await?;
    if text("id").is_empty() || !known {
        return Ok(());
    }
    let flight = gatecare_core::FlightDesignator::parse(text("reroute_flight")).ok().map(|f| f.to_string());
    sqlx::query(
        "INSERT INTO passenger_reroutes (id, flight_id, passenger_id, reroute_flight, departure, arrival, \
         recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
    )
    .bind(text("id"))
    .bind(text("flight_id"))
    .bind(text("passenger_id"))
    .bind(flight)
    .bind(dep)
    .bind(arr)
    .bind(at)
    .bind(text("recorded_by"))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A staff request another device of the station recorded.
async fn apply_remote_staff_request(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    p: &serde_json::Value,
) -> Result<(), StoreError> {
    let text = |k: &str| p.get(k).and_then(|v| v.as_str()).unwrap_or("");
    let Some(at) = DateTime::parse_from_rfc3339(text("requested_at")).ok().map(|t| t.to_utc()) else {
        return Ok(());
    };
    if text("id").is_empty() || text("flight_id").is_empty() || text("passenger_id").is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO staff_requests (id, flight_id, passenger_id, reason, device, requested_at) \
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(text("id"))
    .bind(text("flight_id"))
    .bind(text("passenger_id"))
    .bind(text("reason"))
    .bind(text("device"))
    .bind(rfc3339(at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A refund choice another device of the station recorded.
async fn apply_remote_refund_choice(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    p: &serde_json::Value,
    device: &str,
) -> Result<(), StoreError> {
    let text = |k: &str| p.get(k).and_then(|v| v.as_str()).unwrap_or("");
    let Some(at) = DateTime::parse_from_rfc3339(text("chosen_at")).ok().map(|t| t.to_utc()) else {
        return Ok(());
    };
    if text("id").is_empty() || text("flight_id").is_empty() || text("passenger_id").is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO refund_choices (id, flight_id, passenger_id, chosen_at, recorded_by, device) \
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(text("id"))
    .bind(text("flight_id"))
    .bind(text("passenger_id"))
    .bind(rfc3339(at))
    .bind(text("recorded_by"))
    .bind(device)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
