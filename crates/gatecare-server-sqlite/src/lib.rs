//! Central's embedded backend: one SQLite file in WAL mode. Writers take the
//! lock up front (`BEGIN IMMEDIATE`): SQLite has one writer anyway, and a
//! deferred transaction that reads then writes can fail instead of waiting.
//!
//! An issued event writes two rows: its feed item, and its entitlement,
//! which holds only its key, state and that item's server_seq (migration
//! 0018). The voucher, device and value are read from the item's body
//! through the `entitlements_full` view when a void, a double issuance, a
//! claim or a report needs them, which is rarely; copying them into the row
//! tripled its size and held ingest under half a bare insert's rate.
//! Claims, voucher ids not bound to the issuing device, and rows from before
//! 0018 keep their facts in `entitlement_facts` instead.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use gatecare_server_database::feed::{
    DeviceRun, FeedRun, StoredItem, applied_acks, outcome_text, page_items, plan_page, replay_acks,
    replay_bodies, replay_ranges, span_ranges,
};
use gatecare_server_database::{
    AgentRecord, CaseEventRecord, Database, DbError, DeviceRecord, EnrolmentCode, IssueDecision, LeaseRecord,
    MerchantOutlet, NewDevice, NewEnrolmentCode, PublishedOutlet, RedeemOutcome, RedeemedVoucher, Redemption,
    RedemptionConflict, RedemptionLine, RedemptionsOf, RefusedVoucher, ReportedRedemption, RetiredKey,
    RevocationRecord, SigningKeyRecord, StationFlight, Totals, ValueCount, VoidBy, VoidRecord, decide_issue,
    event_feed_text, refused_void_reason, void_not_yours, voucher_not_yours,
};
use gatecare_sync::voucher_id::{binding, is_bound_to};
use gatecare_sync::{
    CheckedBatch, ClaimRequest, ClaimResponse, ConflictReport, DeviceRole, Event, EventAck, EventKind,
    IssuanceFacts, Outcome, PullResponse, PushResponse, Topic,
};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};
use uuid::Uuid;

/// The retired keys with their device's station and state.
macro_rules! retired_select {
    () => {
        "SELECT r.kid, r.device_id, d.station, d.revoked_at IS NOT NULL AS revoked, r.public_key, \
     r.not_before, r.not_after, r.certificate FROM retired_keys r JOIN devices d ON d.id = r.device_id"
    };
}

mod group_commit;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Rows per multi-row INSERT: 10 columns × 500 stays far below SQLite's
/// 32,766 parameters.
const BULK_ROWS: usize = 500;

#[derive(Clone)]
pub struct SqliteDatabase {
    pool: SqlitePool,
    group: tokio::sync::mpsc::Sender<group_commit::GroupPush>,
}

type Res<T> = Result<T, DbError>;
type Tx = Transaction<'static, Sqlite>;

fn err(e: impl std::fmt::Display) -> DbError {
    DbError::backend(e)
}

/// Times are stored as fixed-width RFC 3339 UTC text, so they sort and
/// compare as text.
fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_ts(s: &str) -> Res<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| DbError::Corrupt(format!("time {s:?}: {e}")))
}

fn parse_uuid(s: &str) -> Res<Uuid> {
    Uuid::parse_str(s).map_err(|e| DbError::Corrupt(format!("uuid {s:?}: {e}")))
}

fn parse_role(s: &str) -> Res<DeviceRole> {
    DeviceRole::parse(s).ok_or_else(|| DbError::Corrupt(format!("role {s:?}")))
}

struct DeviceRow {
    id: String,
    name: String,
    station: String,
    role: String,
    signing_kid: Option<String>,
    signing_public_key: Option<String>,
    not_before: Option<String>,
    not_after: Option<String>,
    certificate: Option<String>,
    enrolled_at: String,
    revoked_at: Option<String>,
    high_seq: i64,
}

impl DeviceRow {
    fn into_record(self) -> Res<DeviceRecord> {
        let signing = match (
            self.signing_kid,
            self.signing_public_key,
            self.not_before,
            self.not_after,
            self.certificate,
        ) {
            (Some(kid), Some(public_key), Some(nb), Some(na), Some(certificate)) => Some(SigningKeyRecord {
                kid,
                public_key,
                not_before: parse_ts(&nb)?,
                not_after: parse_ts(&na)?,
                certificate,
            }),
            _ => None,
        };
        Ok(DeviceRecord {
            id: parse_uuid(&self.id)?,
            name: self.name,
            station: self.station,
            role: parse_role(&self.role)?,
            signing,
            enrolled_at: parse_ts(&self.enrolled_at)?,
            revoked_at: self.revoked_at.as_deref().map(parse_ts).transpose()?,
            high_seq: self.high_seq,
        })
    }
}

impl SqliteDatabase {
    /// Opens (creating if missing) `sqlite:PATH` or `sqlite::memory:`.
    /// Opens (creating when missing) the database at `url`. The file and
    /// its `-wal` and `-shm` are made owner-only: they hold agents' PIN
    /// hashes, device tokens' hashes and passengers' mobile numbers.
    pub async fn open(url: &str) -> Res<SqliteDatabase> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(err)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30))
            // 64 MiB of page cache a connection (SQLite's default is 2 MiB):
            // the entitlement keys' B-tree of a busy day stays in memory.
            .pragma("cache_size", "-65536");
        let in_memory = url.contains(":memory:");
        let pool = SqlitePoolOptions::new()
            // An in-memory database exists once per connection.
            .max_connections(if in_memory { 1 } else { 8 })
            .connect_with(options.clone())
            .await
            .map_err(err)?;
        let writer = if in_memory { group_commit::Writer::Pool } else { group_commit::Writer::own(&options) };
        let group = group_commit::spawn(pool.clone(), writer);
        let db = SqliteDatabase { pool, group };
        MIGRATOR.run(&db.pool).await.map_err(err)?;
        if !in_memory {
            owner_only(options.get_filename())?;
        }
        Ok(db)
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn write_tx(&self) -> Res<Tx> {
        self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(err)
    }
}

/// Stores the run `first..=last` of feed items (see `feed`).
#[allow(clippy::too_many_arguments)]
async fn insert_run(
    conn: &mut sqlx::SqliteConnection,
    first: i64,
    last: i64,
    station: &str,
    topic: Topic,
    origin: Option<&str>,
    first_device_seq: Option<i64>,
    now: &str,
) -> Res<()> {
    let topic = topic.as_str();
    sqlx::query!(
        "INSERT INTO feed_runs (first_seq, last_seq, station, topic, origin_device, first_device_seq, at) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
        first,
        last,
        station,
        topic,
        origin,
        first_device_seq,
        now
    )
    .execute(conn)
    .await
    .map_err(err)?;
    Ok(())
}

/// Inserts a push's feed items and then its new entitlements and their
/// facts; returns how many entitlements and facts inserted and the
/// server_seqs the items took.
async fn store_statements(
    conn: &mut sqlx::SqliteConnection,
    statements: &mut PushStatements,
    count: usize,
) -> Res<((u64, u64), i64, i64)> {
    // The items take the next rowids, which are the next server_seqs: the
    // feed is append-only and this is its only writer.
    let mut base = None;
    let mut last_item = 0;
    for q in &mut statements.items {
        let r = q.build().execute(&mut *conn).await.map_err(err)?;
        base.get_or_insert(r.last_insert_rowid() - r.rows_affected() as i64 + 1);
        last_item = r.last_insert_rowid();
    }
    let base = base.unwrap_or(last_item + 1);
    if last_item != base + count as i64 - 1 {
        return Err(DbError::Corrupt(format!("feed items {base}..={last_item} for {count} events")));
    }
    let mut inserted = 0;
    for q in &mut statements.entitlements {
        inserted += q.build().execute(&mut *conn).await.map_err(err)?.rows_affected();
    }
    let mut with_facts = 0;
    for q in &mut statements.facts {
        with_facts += q.build().execute(&mut *conn).await.map_err(err)?.rows_affected();
    }
    Ok(((inserted, with_facts), base, last_item))
}

/// Stores a push's run and moves its device's high seq.
#[allow(clippy::too_many_arguments)]
async fn close_push(
    conn: &mut sqlx::SqliteConnection,
    base: i64,
    last_item: i64,
    station: &str,
    dev: &str,
    first_device_seq: i64,
    last_device_seq: i64,
    now: &str,
) -> Res<()> {
    insert_run(&mut *conn, base, last_item, station, Topic::Event, Some(dev), Some(first_device_seq), now)
        .await?;
    sqlx::query!("UPDATE devices SET high_seq = ?, last_seen_at = ? WHERE id = ?", last_device_seq, now, dev)
        .execute(conn)
        .await
        .map_err(err)?;
    Ok(())
}

async fn publish_in(
    tx: &mut Tx,
    station: &str,
    topic: Topic,
    body: &serde_json::Value,
    now: &str,
) -> Res<i64> {
    let body = body.to_string();
    let seq = sqlx::query!("INSERT INTO feed_items (body) VALUES (?)", body)
        .execute(&mut **tx)
        .await
        .map_err(err)?
        .last_insert_rowid();
    insert_run(&mut *tx, seq, seq, station, topic, None, None, now).await?;
    Ok(seq)
}

/// The feed items of the given server_seq ranges, in server_seq order. The
/// `CROSS JOIN` fixes the loop order (SQLite does not reorder it): with a
/// plain join, SQLite 3.51 scanned the whole feed and the ranges inside it,
/// so every pull and replay read every item (see `central::plans`).
async fn fetch_items(conn: &mut sqlx::SqliteConnection, ranges: &[(i64, i64)]) -> Res<Vec<StoredItem>> {
    if ranges.is_empty() {
        return Ok(Vec::new());
    }
    let ranges = serde_json::to_string(ranges).map_err(err)?;
    sqlx::query_as!(
        StoredItem,
        r#"SELECT i.server_seq AS "server_seq!: i64", i.outcome, i.body FROM json_each(?) r
           CROSS JOIN feed_items i ON i.server_seq BETWEEN r.value ->> 0 AND r.value ->> 1 ORDER BY i.server_seq"#,
        ranges
    )
    .fetch_all(conn)
    .await
    .map_err(err)
}

async fn add_void(tx: &mut Tx, voucher_id: &str, reason: &str, by: VoidBy<'_>, now: &str) -> Res<()> {
    let device = by.device.map(|d| d.to_string());
    let inserted = sqlx::query!(
        "INSERT INTO voids (voucher_id, voided_at, reason, voided_by_device, voided_by) VALUES (?, ?, ?, ?, ?) \
         ON CONFLICT (voucher_id) DO NOTHING",
        voucher_id,
        now,
        reason,
        device,
        by.actor
    )
    .execute(&mut **tx)
    .await
    .map_err(err)?
    .rows_affected();
    if inserted == 1 {
        let body = serde_json::json!({"voucher_id": voucher_id, "voided_at": now, "reason": reason});
        publish_in(tx, "*", Topic::Void, &body, now).await?;
    }
    Ok(())
}

/// Whether central has never seen this voucher id: only such a voucher, the
/// one a device printed for an `issued` event central refused, is voided
/// for the refusal (a known id is another device's, or already decided).
/// An id bound to the device (`gatecare_sync::voucher_id`) can only have
/// come from it, under `key`; an unbound one is in the unbound index.
async fn voucher_unknown(tx: &mut Tx, device: Uuid, key: &str, voucher_id: &str) -> Res<bool> {
    if !is_bound_to(voucher_id, device) && binding(voucher_id).is_some() {
        let bound_elsewhere: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM devices WHERE id <> ? AND substr(id, 25) = substr(?, 25))",
        )
        .bind(device.to_string())
        .bind(voucher_id)
        .fetch_one(&mut **tx)
        .await
        .map_err(err)?;
        if bound_elsewhere {
            return Ok(false);
        }
    }
    let unknown = sqlx::query_scalar!(
        r#"SELECT NOT EXISTS (SELECT 1 FROM entitlement_facts WHERE voucher_id = ?1 AND claimed_until IS NULL
                              AND substr(voucher_id, 25) <> substr(device_id, 25))
              AND NOT EXISTS (SELECT 1 FROM entitlements_full WHERE entitlement_key = ?2 AND voucher_id = ?1)
              AND NOT EXISTS (SELECT 1 FROM conflicts WHERE winner_voucher_id = ?1 OR loser_voucher_id = ?1)
           AS "unknown!: bool""#,
        voucher_id,
        key
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(err)?;
    Ok(unknown)
}

/// Makes `f`, the issuance whose feed item is `item`, the one that holds
/// its entitlement: the facts of any earlier holder or claim go, and an
/// unbound voucher id keeps its facts beside the row, in its index.
async fn hold(tx: &mut Tx, device: Uuid, f: &IssuanceFacts<'_>, state: &str, item: i64) -> Res<()> {
    sqlx::query!(
        "INSERT INTO entitlements (entitlement_key, state, item) VALUES (?, ?, ?) \
         ON CONFLICT (entitlement_key) DO UPDATE SET state = excluded.state, item = excluded.item",
        f.entitlement_key,
        state,
        item
    )
    .execute(&mut **tx)
    .await
    .map_err(err)?;
    sqlx::query!("DELETE FROM entitlement_facts WHERE entitlement_key = ?", f.entitlement_key)
        .execute(&mut **tx)
        .await
        .map_err(err)?;
    if !is_bound_to(f.voucher_id, device) {
        let dev = device.to_string();
        sqlx::query!(
            "INSERT INTO entitlement_facts (entitlement_key, voucher_id, device_id, flight_id, value_minor, currency) \
             VALUES (?, ?, ?, ?, ?, ?)",
            f.entitlement_key,
            f.voucher_id,
            dev,
            f.flight_id,
            f.value_minor,
            f.currency
        )
        .execute(&mut **tx)
        .await
        .map_err(err)?;
    }
    Ok(())
}

/// Applies an event's effect on entitlements and the void list; `item` is
/// the server_seq of its feed item.
async fn apply(tx: &mut Tx, device: &DeviceRecord, e: &Event, item: i64, now: &str) -> Res<Outcome> {
    let Some(f) = e.issuance() else { return Ok(Outcome::Applied) };
    let dev = device.id.to_string();
    match e.kind {
        EventKind::Issued => {
            // A voucher id is one device's: naming one held under another
            // entitlement would rewrite, void or take over that voucher. An
            // id bound to this device is its own (one bound to another was
            // refused before); an unbound one is looked up in its index.
            let elsewhere = !is_bound_to(f.voucher_id, device.id)
                && sqlx::query_scalar!(
                    r#"SELECT EXISTS (SELECT 1 FROM entitlement_facts WHERE voucher_id = ? AND claimed_until IS NULL
                                      AND substr(voucher_id, 25) <> substr(device_id, 25) AND entitlement_key <> ?)
                       AS "elsewhere!: bool""#,
                    f.voucher_id,
                    f.entitlement_key
                )
                .fetch_one(&mut **tx)
                .await
                .map_err(err)?;
            if elsewhere {
                return Ok(voucher_not_yours());
            }
            // A claim past its hold reads as lapsed: any real issuance takes it.
            let existing = sqlx::query!(
                r#"SELECT voucher_id AS "voucher_id!: String", device_id AS "device_id!: String",
                          CASE WHEN state = 'claimed' AND COALESCE(claimed_until, '') <= ? THEN 'lapsed' ELSE state END
                            AS "state!: String"
                   FROM entitlements_full WHERE entitlement_key = ?"#,
                now,
                f.entitlement_key
            )
            .fetch_optional(&mut **tx)
            .await
            .map_err(err)?;
            let existing = match &existing {
                Some(r) => Some((r.voucher_id.as_str(), parse_uuid(&r.device_id)?, r.state.as_str())),
                None => None,
            };
            match decide_issue(device.id, f.voucher_id, f.replaces, existing) {
                IssueDecision::Insert | IssueDecision::TakeOver | IssueDecision::Replace => {
                    hold(tx, device.id, &f, "issued", item).await?;
                    Ok(Outcome::Applied)
                }
                IssueDecision::Confirm => {
                    // Its own voucher again, or its claim: a voided one stays voided.
                    let state =
                        if existing.is_some_and(|(_, _, s)| s == "voided") { "voided" } else { "issued" };
                    hold(tx, device.id, &f, state, item).await?;
                    Ok(Outcome::Applied)
                }
                IssueDecision::NotYours => Ok(voucher_not_yours()),
                IssueDecision::Conflict { winner_voucher_id, winner_device } => {
                    let winner_dev = winner_device.to_string();
                    sqlx::query!(
                        "INSERT INTO conflicts (entitlement_key, station, flight_id, passenger_id, winner_voucher_id, \
                         winner_device, loser_voucher_id, loser_device, detected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
                         ON CONFLICT (loser_voucher_id) DO NOTHING",
                        f.entitlement_key,
                        device.station,
                        f.flight_id,
                        f.passenger_id,
                        winner_voucher_id,
                        winner_dev,
                        f.voucher_id,
                        dev,
                        now
                    )
                    .execute(&mut **tx)
                    .await
                    .map_err(err)?;
                    add_void(tx, f.voucher_id, "double_issuance", VoidBy::CENTRAL, now).await?;
                    let report = serde_json::json!({
                        "entitlement_key": f.entitlement_key, "flight_id": f.flight_id, "passenger_id": f.passenger_id,
                        "winner_voucher_id": winner_voucher_id, "winner_device": winner_device,
                        "loser_voucher_id": f.voucher_id, "loser_device": device.id, "detected_at": now,
                        "advice": gatecare_sync::CONFLICT_ADVICE,
                    });
                    publish_in(tx, &device.station, Topic::Conflict, &report, now).await?;
                    Ok(Outcome::Conflict { winner_voucher_id, winner_device })
                }
            }
        }
        EventKind::Voided | EventKind::Reprinted => {
            // A kiosk voids or reprints only what it issued; a console, what
            // its station issued; a claim is no voucher.
            let console = device.role == DeviceRole::Console;
            let mine = sqlx::query_scalar!(
                r#"SELECT EXISTS (SELECT 1 FROM entitlements_full JOIN devices ON devices.id = entitlements_full.device_id
                                  WHERE entitlement_key = ?1 AND voucher_id = ?2 AND state <> 'claimed'
                                    AND (device_id = ?3 OR (?4 AND devices.station = ?5)))
                       OR EXISTS (SELECT 1 FROM conflicts WHERE loser_voucher_id = ?2 AND loser_device = ?3
                                  AND entitlement_key = ?1)
                   AS "mine!: bool""#,
                f.entitlement_key,
                f.voucher_id,
                dev,
                console,
                device.station
            )
            .fetch_one(&mut **tx)
            .await
            .map_err(err)?;
            if !mine {
                return Ok(void_not_yours(device.role));
            }
            if e.kind == EventKind::Reprinted {
                return Ok(Outcome::Applied);
            }
            sqlx::query!(
                "UPDATE entitlements SET state = 'voided' WHERE entitlement_key = ?1 \
                 AND EXISTS (SELECT 1 FROM entitlements_full WHERE entitlement_key = ?1 AND voucher_id = ?2)",
                f.entitlement_key,
                f.voucher_id
            )
            .execute(&mut **tx)
            .await
            .map_err(err)?;
            let reason = &gatecare_server_database::void_reason(&e.payload);
            let actor = e.payload.get("actor").and_then(|a| a.as_str()).unwrap_or("");
            add_void(tx, f.voucher_id, reason, VoidBy { device: Some(device.id), actor }, now).await?;
            Ok(Outcome::Applied)
        }
        _ => Ok(Outcome::Applied),
    }
}

/// A push's bulk statements with their values bound: the feed items,
/// numbered by SQLite as they append; then the new issuance
/// (`ON CONFLICT DO NOTHING`: what did not insert is decided one by one),
/// each entitlement naming its item by its distance from the push's last
/// item, the feed's last when the statement runs (server_seqs are only
/// known under the write lock, and the values are bound before it); then
/// the facts of the issuance this push placed whose voucher id is not
/// bound to the device, which their index keeps one entitlement's.
struct PushStatements {
    items: Vec<sqlx::QueryBuilder<Sqlite>>,
    entitlements: Vec<sqlx::QueryBuilder<Sqlite>>,
    facts: Vec<sqlx::QueryBuilder<Sqlite>>,
    issued: usize,
    unbound: usize,
}

impl PushStatements {
    /// Builds the statements a chunk at a time, letting the runtime poll
    /// other tasks in between: the push holding the write lock must not
    /// wait for a worker thread busy binding the next push's values.
    async fn new<'a>(
        device: Uuid,
        events: &'a [Event],
        facts: &'a [Option<IssuanceFacts<'a>>],
        bodies: &'a [String],
    ) -> PushStatements {
        let rows: Vec<(&'a Event, &'a String)> = events.iter().zip(bodies).collect();
        let mut items = Vec::new();
        for chunk in rows.chunks(BULK_ROWS) {
            let mut q = sqlx::QueryBuilder::new("INSERT INTO feed_items (kind, body) ");
            q.push_values(chunk, |mut row, (e, body)| {
                row.push_bind(e.kind.as_str()).push_bind(body.as_str());
            });
            items.push(q);
            tokio::task::yield_now().await;
        }
        let last = events.len() as i64 - 1;
        let issued: Vec<(i64, &IssuanceFacts<'a>)> =
            facts.iter().enumerate().filter_map(|(i, f)| Some((last - i as i64, f.as_ref()?))).collect();
        let mut entitlements = Vec::new();
        for chunk in issued.chunks(BULK_ROWS) {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO entitlements (entitlement_key, state, item) \
                 SELECT column1, 'issued', (SELECT MAX(server_seq) FROM feed_items) - column2 FROM (",
            );
            q.push_values(chunk, |mut row, (from_last, f)| {
                row.push_bind(f.entitlement_key).push_bind(*from_last);
            });
            // `WHERE true` tells SQLite's parser the upsert is not a join's ON.
            q.push(") WHERE true ON CONFLICT DO NOTHING");
            entitlements.push(q);
            tokio::task::yield_now().await;
        }
        let unbound: Vec<&(i64, &IssuanceFacts<'a>)> =
            issued.iter().filter(|(_, f)| !is_bound_to(f.voucher_id, device)).collect();
        let dev = device.to_string();
        let mut facts = Vec::new();
        for chunk in unbound.chunks(BULK_ROWS) {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO entitlement_facts (entitlement_key, voucher_id, device_id, flight_id, value_minor, currency) \
                 SELECT v.column1, v.column3, v.column4, v.column5, v.column6, v.column7 FROM (",
            );
            q.push_values(chunk, |mut row, (from_last, f)| {
                row.push_bind(f.entitlement_key)
                    .push_bind(*from_last)
                    .push_bind(f.voucher_id)
                    .push_bind(dev.clone())
                    .push_bind(f.flight_id)
                    .push_bind(f.value_minor)
                    .push_bind(f.currency);
            });
            q.push(
                ") v JOIN entitlements e ON e.entitlement_key = v.column1 \
                 AND e.item = (SELECT MAX(server_seq) FROM feed_items) - v.column2 WHERE true ON CONFLICT DO NOTHING",
            );
            facts.push(q);
            tokio::task::yield_now().await;
        }
        PushStatements { items, entitlements, facts, issued: issued.len(), unbound: unbound.len() }
    }

    /// Whether the push placed every issuance, with its facts where kept.
    fn all_placed(&self, placed: (u64, u64)) -> bool {
        placed == (self.issued as u64, self.unbound as u64)
    }
}

/// A redemption as SQLite keeps it (text ids and times).
struct RedemptionRow {
    redemption_id: String,
    voucher_id: String,
    device_id: String,
    redeemed_at: String,
}

impl RedemptionRow {
    fn into_redemption(self) -> Res<Redemption> {
        Ok(Redemption {
            redemption_id: parse_uuid(&self.redemption_id)?,
            voucher_id: self.voucher_id,
            device_id: parse_uuid(&self.device_id)?,
            redeemed_at: parse_ts(&self.redeemed_at)?,
        })
    }
}

/// A redemption row with its merchant, as the report reads it.
struct ReportRow {
    merchant: String,
    station: String,
    redemption_id: String,
    voucher_id: String,
    redeemed_at: String,
    kind: Option<String>,
    value_minor: Option<i64>,
    currency: Option<String>,
    flight: Option<String>,
    flight_date: Option<String>,
    serial: Option<String>,
    offline: bool,
}

impl Database for SqliteDatabase {
    fn backend_name(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> Res<()> {
        sqlx::query_scalar!("SELECT 1").fetch_one(&self.pool).await.map_err(err)?;
        Ok(())
    }

    async fn add_enrolment_code(&self, c: &NewEnrolmentCode) -> Res<()> {
        let role = c.role.as_str();
        let (created, expires) = (ts(c.created_at), ts(c.expires_at));
        sqlx::query!(
            "INSERT INTO enrolment_codes (code_hash, station, role, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            c.code_hash,
            c.station,
            role,
            created,
            expires
        )
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn enrolment_code(&self, code_hash: &str, now: DateTime<Utc>) -> Res<Option<EnrolmentCode>> {
        let now = ts(now);
        let row = sqlx::query!(
            "SELECT station, role, expires_at FROM enrolment_codes WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?",
            code_hash,
            now
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        row.map(|r| {
            Ok(EnrolmentCode {
                station: r.station,
                role: parse_role(&r.role)?,
                expires_at: parse_ts(&r.expires_at)?,
            })
        })
        .transpose()
    }

    async fn enrol(&self, code_hash: &str, d: &NewDevice, now: DateTime<Utc>) -> Res<DeviceRecord> {
        let mut tx = self.write_tx().await?;
        let now_s = ts(now);
        let id = d.id.to_string();
        let code = sqlx::query!(
            "UPDATE enrolment_codes SET used_at = ?, used_by = ? WHERE code_hash = ? AND used_at IS NULL AND expires_at > ? \
             RETURNING station, role",
            now_s,
            id,
            code_hash,
            now_s
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?
        .ok_or(DbError::CodeInvalid)?;
        let s = d.signing.as_ref();
        let (kid, public_key, cert) =
            (s.map(|s| s.kid.as_str()), s.map(|s| s.public_key.as_str()), s.map(|s| s.certificate.as_str()));
        let (nb, na) = (s.map(|s| ts(s.not_before)), s.map(|s| ts(s.not_after)));
        if let Some(kid) = kid
            && kid_taken_in(&mut tx, kid).await?
        {
            return Err(DbError::KidTaken(kid.to_owned()));
        }
        sqlx::query!(
            "INSERT INTO devices (id, name, station, role, token_hash, signing_kid, signing_public_key, not_before, \
             not_after, certificate, enrolled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            id,
            d.name,
            code.station,
            code.role,
            d.token_hash,
            kid,
            public_key,
            nb,
            na,
            cert,
            now_s
        )
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(DeviceRecord {
            id: d.id,
            name: d.name.clone(),
            station: code.station,
            role: parse_role(&code.role)?,
            signing: d.signing.clone(),
            enrolled_at: parse_ts(&now_s)?,
            revoked_at: None,
            high_seq: 0,
        })
    }

    async fn device_by_token(&self, token_hash: &str) -> Res<Option<DeviceRecord>> {
        sqlx::query_as!(
            DeviceRow,
            "SELECT id, name, station, role, signing_kid, signing_public_key, not_before, not_after, certificate, \
             enrolled_at, revoked_at, high_seq FROM devices WHERE token_hash = ?",
            token_hash
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?
        .map(DeviceRow::into_record)
        .transpose()
    }

    async fn device_by_id(&self, id: Uuid) -> Res<Option<DeviceRecord>> {
        let id = id.to_string();
        sqlx::query_as!(
            DeviceRow,
            "SELECT id, name, station, role, signing_kid, signing_public_key, not_before, not_after, certificate, \
             enrolled_at, revoked_at, high_seq FROM devices WHERE id = ?",
            id
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?
        .map(DeviceRow::into_record)
        .transpose()
    }

    async fn device_by_kid(&self, kid: &str) -> Res<Option<DeviceRecord>> {
        sqlx::query_as!(
            DeviceRow,
            "SELECT id, name, station, role, signing_kid, signing_public_key, not_before, not_after, certificate, \
             enrolled_at, revoked_at, high_seq FROM devices WHERE signing_kid = ?",
            kid
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?
        .map(DeviceRow::into_record)
        .transpose()
    }

    async fn devices(&self) -> Res<Vec<DeviceRecord>> {
        sqlx::query_as!(
            DeviceRow,
            "SELECT id, name, station, role, signing_kid, signing_public_key, not_before, not_after, certificate, \
             enrolled_at, revoked_at, high_seq FROM devices ORDER BY enrolled_at, id"
        )
        .fetch_all(&self.pool)
        .await
        .map_err(err)?
        .into_iter()
        .map(DeviceRow::into_record)
        .collect()
    }

    async fn set_device_role(&self, id: Uuid, role: DeviceRole) -> Res<bool> {
        if !role.is_station_device() {
            return Ok(false);
        }
        let n = sqlx::query("UPDATE devices SET role = ?1 WHERE id = ?2 AND revoked_at IS NULL AND role IN ('kiosk', 'console')")
            .bind(role.as_str())
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(err)?
            .rows_affected();
        Ok(n == 1)
    }

    async fn consoles_owed_agents(&self) -> Res<Vec<Uuid>> {
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT device_id FROM consoles_owed_agents ORDER BY device_id")
                .fetch_all(&self.pool)
                .await
                .map_err(err)?;
        ids.iter().map(|id| Uuid::parse_str(id).map_err(|e| DbError::Corrupt(e.to_string()))).collect()
    }

    async fn agents_sent_to_console(&self, id: Uuid) -> Res<()> {
        sqlx::query("DELETE FROM consoles_owed_agents WHERE device_id = ?")
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn recertify_device(&self, id: Uuid, signing: &SigningKeyRecord) -> Res<bool> {
        let (id, nb, na) = (id.to_string(), ts(signing.not_before), ts(signing.not_after));
        let n = sqlx::query!(
            "UPDATE devices SET not_before = ?, not_after = ?, certificate = ? \
             WHERE id = ? AND signing_kid = ? AND signing_public_key = ? AND revoked_at IS NULL",
            nb,
            na,
            signing.certificate,
            id,
            signing.kid,
            signing.public_key
        )
        .execute(&self.pool)
        .await
        .map_err(err)?
        .rows_affected();
        Ok(n == 1)
    }

    async fn public_key_taken(&self, public_key: &str) -> Res<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM devices WHERE lower(signing_public_key) = ?1) \
                  + (SELECT COUNT(*) FROM retired_keys WHERE lower(public_key) = ?1)",
        )
        .bind(public_key)
        .fetch_one(&self.pool)
        .await
        .map_err(err)?;
        Ok(n > 0)
    }

    async fn kid_taken(&self, kid: &str) -> Res<bool> {
        let mut tx = self.pool.begin().await.map_err(err)?;
        kid_taken_in(&mut tx, kid).await
    }

    async fn rotate_key(&self, device: Uuid, next: &SigningKeyRecord, now: DateTime<Utc>) -> Res<bool> {
        let mut tx = self.write_tx().await?;
        if kid_taken_in(&mut tx, &next.kid).await? {
            return Err(DbError::KidTaken(next.kid.clone()));
        }
        let id = device.to_string();
        let retired = sqlx::query(
            "INSERT INTO retired_keys (kid, device_id, public_key, not_before, not_after, certificate, retired_at) \
             SELECT signing_kid, id, signing_public_key, not_before, not_after, certificate, ? FROM devices \
             WHERE id = ? AND revoked_at IS NULL AND signing_kid IS NOT NULL",
        )
        .bind(ts(now))
        .bind(&id)
        .execute(&mut *tx)
        .await
        .map_err(err)?
        .rows_affected();
        if retired != 1 {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE devices SET signing_kid = ?, signing_public_key = ?, not_before = ?, not_after = ?, certificate = ? \
             WHERE id = ?",
        )
        .bind(&next.kid)
        .bind(&next.public_key)
        .bind(ts(next.not_before))
        .bind(ts(next.not_after))
        .bind(&next.certificate)
        .bind(&id)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(true)
    }

    async fn retired_keys(&self) -> Res<Vec<RetiredKey>> {
        let rows: Vec<RetiredRow> =
            sqlx::query_as(retired_select!()).fetch_all(&self.pool).await.map_err(err)?;
        rows.into_iter().map(RetiredRow::into_key).collect()
    }

    async fn retired_key(&self, kid: &str) -> Res<Option<RetiredKey>> {
        let row: Option<RetiredRow> = sqlx::query_as(concat!(retired_select!(), " WHERE r.kid = ?"))
            .bind(kid)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        row.map(RetiredRow::into_key).transpose()
    }

    async fn bound_elsewhere(&self, device: Uuid, bindings: &[String]) -> Res<Vec<String>> {
        let list = serde_json::to_string(bindings).map_err(err)?;
        sqlx::query_scalar(
            "SELECT DISTINCT substr(id, 25) FROM devices WHERE id <> ? AND substr(id, 25) IN (SELECT value FROM json_each(?))",
        )
        .bind(device.to_string())
        .bind(list)
        .fetch_all(&self.pool)
        .await
        .map_err(err)
    }

    async fn revoke_device(&self, id: Uuid, now: DateTime<Utc>) -> Res<bool> {
        let (id, now) = (id.to_string(), ts(now));
        let n =
            sqlx::query!("UPDATE devices SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", now, id)
                .execute(&self.pool)
                .await
                .map_err(err)?
                .rows_affected();
        Ok(n == 1)
    }

    async fn received_at(&self, device: Uuid, seq: i64) -> Res<Option<DateTime<Utc>>> {
        // The run that holds `seq`: the device's last to start at or before it.
        let at: Option<String> = sqlx::query_scalar(
            "SELECT at FROM feed_runs WHERE origin_device = ? AND first_device_seq <= ? \
             ORDER BY first_device_seq DESC LIMIT 1",
        )
        .bind(device.to_string())
        .bind(seq)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        at.as_deref().map(parse_ts).transpose()
    }

    async fn void_refused(
        &self,
        vouchers: &[RefusedVoucher],
        reason: &str,
        now: DateTime<Utc>,
    ) -> Res<usize> {
        let now = ts(now);
        let mut tx = self.write_tx().await?;
        let mut voided = 0;
        for v in vouchers {
            sqlx::query(
                "UPDATE entitlements SET state = 'voided' WHERE entitlement_key = ?1 \
                 AND EXISTS (SELECT 1 FROM entitlements_full WHERE entitlement_key = ?1 AND voucher_id = ?2)",
            )
            .bind(&v.entitlement_key)
            .bind(&v.voucher_id)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
            if sqlx::query_scalar::<_, bool>("SELECT EXISTS (SELECT 1 FROM voids WHERE voucher_id = ?)")
                .bind(&v.voucher_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(err)?
            {
                continue;
            }
            add_void(&mut tx, &v.voucher_id, reason, VoidBy::CENTRAL, &now).await?;
            voided += 1;
        }
        tx.commit().await.map_err(err)?;
        Ok(voided)
    }

    async fn publish(
        &self,
        station: &str,
        topic: Topic,
        body: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Res<i64> {
        let mut tx = self.write_tx().await?;
        let seq = publish_in(&mut tx, station, topic, body, &ts(now)).await?;
        tx.commit().await.map_err(err)?;
        Ok(seq)
    }

    async fn push(
        &self,
        device: &DeviceRecord,
        batch: &CheckedBatch<'_>,
        now: DateTime<Utc>,
    ) -> Res<PushResponse> {
        let events = batch.events();
        let (first, last) = batch.seqs();
        let now_s = ts(now);
        let dev = device.id.to_string();
        // Everything that does not need the database is done before the
        // write lock is taken: SQLite has one writer, and while it waits for
        // JSON or for arguments to be bound, every other push waits too.
        let mut bodies = Vec::with_capacity(events.len());
        let stored_texts = batch.stored_payload_texts();
        for (chunk, texts) in events.chunks(BULK_ROWS).zip(stored_texts.chunks(BULK_ROWS)) {
            bodies.extend(chunk.iter().zip(texts).map(|(e, text)| event_feed_text(device.id, e, text)));
            tokio::task::yield_now().await;
        }
        // The statements insert entitlements for issued events only.
        let facts: Vec<Option<IssuanceFacts<'_>>> = events
            .iter()
            .zip(batch.issuance())
            .map(|(e, f)| if e.kind == EventKind::Issued { f.clone() } else { None })
            .collect();
        let prepared = PushStatements::new(device.id, events, &facts, &bodies).await;
        // The common push (it continues the device's log, no voids) goes to
        // the group commit; if that declines, the full path below decides.
        let prepared = if first == device.high_seq + 1
            && batch.all_allowed()
            && events.iter().all(|e| !matches!(e.kind, EventKind::Voided | EventKind::Reprinted))
        {
            let (reply, answer) = tokio::sync::oneshot::channel();
            let push = group_commit::GroupPush {
                dev: dev.clone(),
                station: device.station.clone(),
                first,
                last,
                now: now_s.clone(),
                statements: prepared,
                reply,
            };
            // The task is gone or dropped the push: the full path finds out what was stored.
            let stored = match self.group.send(push).await {
                Ok(()) => answer.await.ok(),
                Err(_) => None,
            };
            if let Some(base) = stored.transpose()?.flatten() {
                return Ok(PushResponse { acks: applied_acks(events, base), high_seq: last });
            }
            PushStatements::new(device.id, events, &facts, &bodies).await
        } else {
            prepared
        };
        let mut tx = self.write_tx().await?;
        let high = sqlx::query_scalar!("SELECT high_seq FROM devices WHERE id = ?", dev)
            .fetch_one(&mut *tx)
            .await
            .map_err(err)?;
        let mut acks = Vec::with_capacity(events.len());
        if first <= high {
            let upto = last.min(high);
            let runs: Vec<DeviceRun> = sqlx::query_as!(
                DeviceRun,
                r#"SELECT first_seq, last_seq, first_device_seq AS "first_device_seq!" FROM feed_runs
                   WHERE origin_device = ?1 AND first_device_seq <= ?3 AND first_device_seq >=
                     (SELECT MAX(first_device_seq) FROM feed_runs WHERE origin_device = ?1 AND first_device_seq <= ?2)"#,
                dev,
                first,
                upto
            )
            .fetch_all(&mut *tx)
            .await
            .map_err(err)?;
            let stored = fetch_items(&mut tx, &replay_ranges(&runs, first, upto)?).await?;
            if stored.len() as i64 != upto - first + 1 {
                return Err(DbError::Corrupt(format!("device {dev} is missing events below seq {high}")));
            }
            let replayed = replay_bodies(device.id, batch, stored.len());
            acks.extend(replay_acks(events, &replayed, stored)?);
        }
        let done = acks.len();
        let fresh = &events[done..];
        if let Some(f) = fresh.first() {
            if f.seq != high + 1 {
                return Err(DbError::SeqGap { high, first: f.seq });
            }
            let mut statements = if done == 0 {
                prepared
            } else {
                // Part of the batch was a replay: only the rest is stored.
                PushStatements::new(device.id, fresh, &facts[done..], &bodies[done..]).await
            };
            let (placed, base, last_item) = store_statements(&mut tx, &mut statements, fresh.len()).await?;
            // Usually every issuance was placed. If not, some key was
            // issued before or twice in this batch, or an unbound voucher id
            // is another entitlement's, and each issuance that did not take
            // its entitlement here with its facts is decided on its own.
            let all_placed = statements.all_placed(placed);
            for (i, e) in fresh.iter().enumerate() {
                let server_seq = base + i as i64;
                let refusal = batch.refusals()[done + i].clone();
                let outcome = match (&facts[done + i], e.kind) {
                    // Refused for the device's role: no effect, except that a
                    // voucher it printed anyway goes on the void list.
                    _ if let Some(r) = refusal => {
                        if e.kind == EventKind::Issued
                            && let Some(voucher) = e.payload.get("voucher_id").and_then(|v| v.as_str())
                            && let Some(key) = e.payload.get("entitlement_key").and_then(|v| v.as_str())
                            && voucher_unknown(&mut tx, device.id, key, voucher).await?
                        {
                            let by = VoidBy { device: Some(device.id), actor: "central" };
                            add_void(&mut tx, voucher, &refused_void_reason(&r), by, &now_s).await?;
                        }
                        r
                    }
                    (Some(_), _) if all_placed => Outcome::Applied,
                    (Some(f), _) => {
                        let placed = sqlx::query!(
                            r#"SELECT item IS ?2 AS "here!: bool",
                                      NOT EXISTS (SELECT 1 FROM entitlement_facts WHERE entitlement_key = ?1) AS "bare!: bool"
                               FROM entitlements WHERE entitlement_key = ?1"#,
                            f.entitlement_key,
                            server_seq
                        )
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(err)?;
                        match placed {
                            Some(p) if p.here && p.bare == is_bound_to(f.voucher_id, device.id) => {
                                Outcome::Applied
                            }
                            Some(p) if p.here => {
                                // Placed without the facts its unbound id needs (the id
                                // is another entitlement's): undone, then decided.
                                sqlx::query!(
                                    "DELETE FROM entitlements WHERE entitlement_key = ?",
                                    f.entitlement_key
                                )
                                .execute(&mut *tx)
                                .await
                                .map_err(err)?;
                                apply(&mut tx, device, e, server_seq, &now_s).await?
                            }
                            _ => apply(&mut tx, device, e, server_seq, &now_s).await?,
                        }
                    }
                    (None, EventKind::Voided | EventKind::Reprinted) => {
                        apply(&mut tx, device, e, server_seq, &now_s).await?
                    }
                    (None, _) => Outcome::Applied,
                };
                if let Some(text) = outcome_text(&outcome)? {
                    sqlx::query!("UPDATE feed_items SET outcome = ? WHERE server_seq = ?", text, server_seq)
                        .execute(&mut *tx)
                        .await
                        .map_err(err)?;
                }
                acks.push(EventAck { seq: e.seq, event_id: e.event_id, server_seq, outcome });
            }
            close_push(&mut tx, base, last_item, &device.station, &dev, f.seq, last, &now_s).await?;
        }
        tx.commit().await.map_err(err)?;
        Ok(PushResponse { acks, high_seq: high.max(last) })
    }

    async fn pull(&self, device: &DeviceRecord, after: i64, limit: u32) -> Res<PullResponse> {
        let limit = i64::from(limit.clamp(1, gatecare_sync::MAX_PAGE));
        let mut conn = self.pool.acquire().await.map_err(err)?;
        // The first `limit` runs of the station and of all stations, each
        // in index order (an IN over both would sort every later run).
        let rows = sqlx::query!(
            r#"SELECT first_seq AS "first_seq!: i64", last_seq AS "last_seq!: i64", topic AS "topic!: String",
                      origin_device, at AS "at!: String" FROM
                 (SELECT first_seq, last_seq, topic, origin_device, at FROM feed_runs
                  WHERE station = ?1 AND last_seq > ?2 ORDER BY last_seq LIMIT ?3)
               UNION ALL SELECT * FROM
                 (SELECT first_seq, last_seq, topic, origin_device, at FROM feed_runs
                  WHERE station = '*' AND last_seq > ?2 ORDER BY last_seq LIMIT ?3)"#,
            device.station,
            after,
            limit
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(err)?;
        let mut runs = rows
            .into_iter()
            .map(|r| {
                Ok(FeedRun {
                    first_seq: r.first_seq,
                    last_seq: r.last_seq,
                    topic: Topic::parse(&r.topic)
                        .ok_or_else(|| DbError::Corrupt(format!("topic {:?}", r.topic)))?,
                    origin_device: r.origin_device.as_deref().map(parse_uuid).transpose()?,
                    at: parse_ts(&r.at)?,
                })
            })
            .collect::<Res<Vec<_>>>()?;
        let plan = plan_page(&mut runs, after, limit, device.id, device.role);
        let stored = fetch_items(&mut conn, &span_ranges(&plan)).await?;
        let items = page_items(&plan, &runs, stored)?;
        Ok(PullResponse { items, next_after: plan.next_after, more: plan.more })
    }

    async fn claims(
        &self,
        device: &DeviceRecord,
        reqs: &[ClaimRequest],
        now: DateTime<Utc>,
        hold_until: DateTime<Utc>,
    ) -> Res<Vec<ClaimResponse>> {
        let mut tx = self.write_tx().await?;
        let mut answers = Vec::with_capacity(reqs.len());
        for req in reqs {
            answers.push(claim_in(&mut tx, device, req, now, hold_until).await?);
        }
        tx.commit().await.map_err(err)?;
        Ok(answers)
    }

    async fn live_claims(&self, device: Uuid, now: DateTime<Utc>) -> Res<i64> {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM entitlement_facts WHERE device_id = ? AND claimed_until > ? \
             AND entitlement_key IN (SELECT entitlement_key FROM entitlements WHERE state = 'claimed')",
        )
        .bind(device.to_string())
        .bind(ts(now))
        .fetch_one(&self.pool)
        .await
        .map_err(err)
    }

    async fn release_claim(&self, device: &DeviceRecord, req: &ClaimRequest) -> Res<bool> {
        let mut tx = self.write_tx().await?;
        let dev = device.id.to_string();
        let n = sqlx::query!(
            "DELETE FROM entitlement_facts WHERE entitlement_key = ? AND device_id = ? AND claimed_until IS NOT NULL",
            req.entitlement_key,
            dev
        )
        .execute(&mut *tx)
        .await
        .map_err(err)?
        .rows_affected();
        if n == 1 {
            sqlx::query!(
                "DELETE FROM entitlements WHERE entitlement_key = ? AND state = 'claimed'",
                req.entitlement_key
            )
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        }
        tx.commit().await.map_err(err)?;
        Ok(n == 1)
    }

    async fn grant_lease(&self, l: &LeaseRecord) -> Res<i64> {
        let mut tx = self.write_tx().await?;
        let (id, dev, exp, at) =
            (l.id.to_string(), l.device_id.to_string(), ts(l.expires_at), ts(l.granted_at));
        sqlx::query!(
            "INSERT INTO leases (id, scope, key, device_id, expires_at, granted_by, granted_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            id,
            l.scope,
            l.key,
            dev,
            exp,
            l.granted_by,
            at
        )
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        let body = serde_json::json!({
            "id": l.id, "scope": l.scope, "key": l.key, "device": l.device_id, "expires_at": l.expires_at,
            "granted_by": l.granted_by, "granted_at": l.granted_at,
        });
        let seq = publish_in(&mut tx, &l.station, Topic::Lease, &body, &at).await?;
        tx.commit().await.map_err(err)?;
        Ok(seq)
    }

    async fn upsert_agent(&self, a: &AgentRecord, now: DateTime<Utc>) -> Res<i64> {
        let mut tx = self.write_tx().await?;
        let now_s = ts(now);
        sqlx::query!(
            "INSERT INTO agents (code, name, role, station, pin_hash, updated_at) VALUES (?, ?, ?, ?, ?, ?) \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, role = excluded.role, station = excluded.station, \
             pin_hash = excluded.pin_hash, updated_at = excluded.updated_at",
            a.code,
            a.name,
            a.role,
            a.station,
            a.pin_hash,
            now_s
        )
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        let seq = publish_in(&mut tx, &a.station, Topic::Agent, &a.feed_body(), &now_s).await?;
        tx.commit().await.map_err(err)?;
        Ok(seq)
    }

    async fn station_agent_records(&self, station: &str) -> Res<Vec<AgentRecord>> {
        let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
            "SELECT code, name, role, station, pin_hash FROM agents WHERE station = ? ORDER BY code",
        )
        .bind(station)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        Ok(rows
            .into_iter()
            .map(|(code, name, role, station, pin_hash)| AgentRecord { code, name, role, station, pin_hash })
            .collect())
    }

    async fn case_station(&self, case_id: &str) -> Res<Option<String>> {
        // Cases are few among many items: the first kind test is the partial
        // index's own (feed_items_cases), so the planner can use it.
        sqlx::query_scalar(
            "SELECT r.station FROM feed_items i \
             JOIN feed_runs r ON r.first_seq = (SELECT MAX(first_seq) FROM feed_runs WHERE first_seq <= i.server_seq) \
             WHERE i.kind IN ('case_opened', 'case_updated') AND i.kind = 'case_opened' \
               AND json_extract(i.body, '$.payload.case_id') = ? \
               AND json_extract(i.outcome, '$.result') IS NOT 'refused' ORDER BY i.server_seq LIMIT 1",
        )
        .bind(case_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)
    }

    async fn station_agents(&self, station: &str) -> Res<Vec<(String, String)>> {
        sqlx::query_as("SELECT code, role FROM agents WHERE station = ? ORDER BY code")
            .bind(station)
            .fetch_all(&self.pool)
            .await
            .map_err(err)
    }

    async fn void_list(&self) -> Res<Vec<VoidRecord>> {
        sqlx::query!(
            "SELECT voucher_id, voided_at, reason, voided_by_device, voided_by FROM voids ORDER BY voided_at, voucher_id"
        )
            .fetch_all(&self.pool)
            .await
            .map_err(err)?
            .into_iter()
            .map(|r| {
                Ok(VoidRecord {
                    voucher_id: r.voucher_id,
                    voided_at: parse_ts(&r.voided_at)?,
                    reason: r.reason,
                    voided_by_device: r.voided_by_device.as_deref().map(parse_uuid).transpose()?,
                    voided_by: r.voided_by,
                })
            })
            .collect()
    }

    async fn record_station_flights(&self, station: &str, flights: &[StationFlight]) -> Res<()> {
        let mut tx = self.write_tx().await?;
        for f in flights {
            sqlx::query(
                "INSERT INTO station_flights (flight_id, station, key_prefix) VALUES (?, ?, ?) \
                 ON CONFLICT (flight_id) DO UPDATE SET station = excluded.station, key_prefix = excluded.key_prefix",
            )
            .bind(&f.id)
            .bind(station)
            .bind(&f.key_prefix)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        }
        tx.commit().await.map_err(err)
    }

    async fn foreign_flights(
        &self,
        station: &str,
        flight_ids: &[&str],
        key_prefixes: &[&str],
    ) -> Res<Vec<String>> {
        if flight_ids.is_empty() && key_prefixes.is_empty() {
            return Ok(Vec::new());
        }
        let ids = serde_json::to_string(flight_ids).map_err(err)?;
        let prefixes = serde_json::to_string(key_prefixes).map_err(err)?;
        // A key's flight is another station's only when this station did not
        // publish it too (a flight number with a leg from each station). Once
        // central published this station's flights, a flight it never
        // published is no flight of the station's either.
        sqlx::query_scalar(
            "SELECT s.flight_id FROM json_each(?1) j JOIN station_flights s ON s.flight_id = j.value \
             WHERE s.station <> ?2 \
             UNION \
             SELECT j.value FROM json_each(?1) j WHERE EXISTS (SELECT 1 FROM station_flights WHERE station = ?2) \
               AND NOT EXISTS (SELECT 1 FROM station_flights s WHERE s.flight_id = j.value) \
             UNION \
             SELECT s.key_prefix FROM json_each(?3) j JOIN station_flights s ON s.key_prefix = j.value \
             WHERE s.station <> ?2 AND NOT EXISTS \
               (SELECT 1 FROM station_flights o WHERE o.key_prefix = s.key_prefix AND o.station = ?2)",
        )
        .bind(ids)
        .bind(station)
        .bind(prefixes)
        .fetch_all(&self.pool)
        .await
        .map_err(err)
    }

    async fn void_of(&self, voucher_id: &str) -> Res<Option<VoidRecord>> {
        sqlx::query!(
            "SELECT voucher_id, voided_at, reason, voided_by_device, voided_by FROM voids WHERE voucher_id = ?",
            voucher_id
        )
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?
            .map(|r| {
                Ok(VoidRecord {
                    voucher_id: r.voucher_id,
                    voided_at: parse_ts(&r.voided_at)?,
                    reason: r.reason,
                    voided_by_device: r.voided_by_device.as_deref().map(parse_uuid).transpose()?,
                    voided_by: r.voided_by,
                })
            })
            .transpose()
    }

    async fn record_revocation(&self, r: &RevocationRecord) -> Res<()> {
        let kept = r.kept.to_string();
        sqlx::query(
            "INSERT INTO revocations (device_id, effective_at, kept) VALUES (?, ?, ?) \
             ON CONFLICT (device_id) DO UPDATE SET effective_at = excluded.effective_at, kept = excluded.kept",
        )
        .bind(r.device_id.to_string())
        .bind(ts(r.effective_at))
        .bind(kept)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn revocations(&self) -> Res<Vec<RevocationRecord>> {
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT device_id, effective_at, kept FROM revocations ORDER BY device_id")
                .fetch_all(&self.pool)
                .await
                .map_err(err)?;
        rows.iter().map(|(d, at, kept)| revocation_row(d, at, kept)).collect()
    }

    async fn revocation_of(&self, device: Uuid) -> Res<Option<RevocationRecord>> {
        let row: Option<(String, String, String)> =
            sqlx::query_as("SELECT device_id, effective_at, kept FROM revocations WHERE device_id = ?")
                .bind(device.to_string())
                .fetch_optional(&self.pool)
                .await
                .map_err(err)?;
        row.map(|(d, at, kept)| revocation_row(&d, &at, &kept)).transpose()
    }

    async fn conflicts(&self, station: &str) -> Res<Vec<ConflictReport>> {
        sqlx::query!(
            "SELECT entitlement_key, flight_id, passenger_id, winner_voucher_id, winner_device, loser_voucher_id, \
             loser_device, detected_at FROM conflicts WHERE station = ? ORDER BY id",
            station
        )
        .fetch_all(&self.pool)
        .await
        .map_err(err)?
        .into_iter()
        .map(|r| {
            Ok(ConflictReport {
                entitlement_key: r.entitlement_key,
                flight_id: r.flight_id,
                passenger_id: r.passenger_id,
                winner_voucher_id: r.winner_voucher_id,
                winner_device: parse_uuid(&r.winner_device)?,
                loser_voucher_id: r.loser_voucher_id,
                loser_device: parse_uuid(&r.loser_device)?,
                detected_at: parse_ts(&r.detected_at)?,
                advice: gatecare_sync::CONFLICT_ADVICE.into(),
            })
        })
        .collect()
    }

    async fn redeem(
        &self,
        device: &DeviceRecord,
        redemption_id: Uuid,
        voucher: &RedeemedVoucher,
        now: DateTime<Utc>,
    ) -> Res<RedeemOutcome> {
        let mut tx = self.write_tx().await?;
        let rid = redemption_id.to_string();
        let voucher_id = voucher.voucher_id.as_str();
        if let Some(r) = sqlx::query_as!(
            RedemptionRow,
            "SELECT redemption_id, voucher_id, device_id, redeemed_at FROM redemptions WHERE redemption_id = ?",
            rid
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?
        {
            return Ok(RedeemOutcome::Redeemed(r.into_redemption()?));
        }
        if let Some(r) = sqlx::query_as!(
            RedemptionRow,
            "SELECT redemption_id, voucher_id, device_id, redeemed_at FROM redemptions WHERE voucher_id = ?",
            voucher_id
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?
        {
            return Ok(RedeemOutcome::AlreadyRedeemed(r.into_redemption()?));
        }
        let (dev, now_s) = (device.id.to_string(), ts(now));
        sqlx::query!(
            "INSERT INTO redemptions (redemption_id, voucher_id, device_id, redeemed_at, kind, value_minor, currency, \
             flight, flight_date, serial, offline) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rid,
            voucher_id,
            dev,
            now_s,
            voucher.kind,
            voucher.value_minor,
            voucher.currency,
            voucher.flight,
            voucher.flight_date,
            voucher.serial,
            voucher.offline
        )
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        let body = serde_json::json!({"kind": "redeemed", "voucher_id": voucher_id, "device": device.id,
                                       "redemption_id": redemption_id, "at": now_s});
        publish_in(&mut tx, "*", Topic::Event, &body, &now_s).await?;
        tx.commit().await.map_err(err)?;
        Ok(RedeemOutcome::Redeemed(Redemption {
            redemption_id,
            voucher_id: voucher_id.to_owned(),
            device_id: device.id,
            redeemed_at: parse_ts(&now_s)?,
        }))
    }

    async fn record_redemption_conflict(
        &self,
        first: &Redemption,
        second: &DeviceRecord,
        redemption_id: Uuid,
        accepted_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Res<()> {
        let (rid, dev, first_id) =
            (redemption_id.to_string(), second.id.to_string(), first.redemption_id.to_string());
        let (accepted, now) = (ts(accepted_at), ts(now));
        sqlx::query!(
            "INSERT INTO redemption_conflicts (redemption_id, voucher_id, device_id, accepted_at, first_redemption_id, \
             recorded_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            rid,
            first.voucher_id,
            dev,
            accepted,
            first_id,
            now
        )
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn redemption_conflicts(
        &self,
        device: Option<Uuid>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Res<Vec<RedemptionConflict>> {
        let (dev, from, to) = (device.map(|d| d.to_string()), ts(from), ts(to));
        let rows = sqlx::query!(
            r#"SELECT c.voucher_id, r.serial, c.first_redemption_id, d1.name AS first_merchant, r.redeemed_at AS first_at,
                      c.redemption_id, d2.name AS merchant, c.accepted_at, c.recorded_at
               FROM redemption_conflicts c
               JOIN redemptions r ON r.redemption_id = c.first_redemption_id
               JOIN devices d1 ON d1.id = r.device_id
               JOIN devices d2 ON d2.id = c.device_id
               WHERE c.accepted_at >= ?1 AND c.accepted_at < ?2
                 AND (?3 IS NULL OR c.device_id = ?3 OR r.device_id = ?3)
               ORDER BY c.accepted_at"#,
            from,
            to,
            dev
        )
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.into_iter()
            .map(|r| {
                Ok(RedemptionConflict {
                    voucher_id: r.voucher_id,
                    serial: r.serial,
                    first_redemption_id: parse_uuid(&r.first_redemption_id)?,
                    first_merchant: r.first_merchant,
                    first_at: parse_ts(&r.first_at)?,
                    redemption_id: parse_uuid(&r.redemption_id)?,
                    merchant: r.merchant,
                    accepted_at: parse_ts(&r.accepted_at)?,
                    recorded_at: parse_ts(&r.recorded_at)?,
                })
            })
            .collect()
    }

    async fn offline_limit(&self, device: Uuid) -> Res<u32> {
        let dev = device.to_string();
        let limit = sqlx::query_scalar!("SELECT offline_limit FROM merchant_limits WHERE device_id = ?", dev)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        Ok(limit.map_or(0, |l| u32::try_from(l).unwrap_or(0)))
    }

    async fn set_offline_limit(&self, device: Uuid, limit: u32) -> Res<()> {
        let (dev, limit) = (device.to_string(), i64::from(limit));
        sqlx::query!(
            "INSERT INTO merchant_limits (device_id, offline_limit) VALUES (?, ?) \
             ON CONFLICT (device_id) DO UPDATE SET offline_limit = excluded.offline_limit",
            dev,
            limit
        )
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn merchant_outlet(&self, device: Uuid) -> Res<MerchantOutlet> {
        let dev = device.to_string();
        let row =
            sqlx::query!("SELECT accepts, place_en, place_zh FROM merchant_outlets WHERE device_id = ?", dev)
                .fetch_optional(&self.pool)
                .await
                .map_err(err)?;
        match row {
            None => Ok(MerchantOutlet::default()),
            Some(r) => MerchantOutlet::from_stored(r.accepts.as_deref(), r.place_en, r.place_zh),
        }
    }

    async fn set_merchant_outlet(&self, device: Uuid, outlet: &MerchantOutlet) -> Res<()> {
        let (dev, accepts) = (device.to_string(), outlet.accepts_text());
        sqlx::query!(
            "INSERT INTO merchant_outlets (device_id, accepts, place_en, place_zh) VALUES (?, ?, ?, ?) \
             ON CONFLICT (device_id) DO UPDATE SET accepts = excluded.accepts, place_en = excluded.place_en, \
             place_zh = excluded.place_zh",
            dev,
            accepts,
            outlet.place_en,
            outlet.place_zh
        )
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn published_outlets(&self, station: &str) -> Res<Vec<PublishedOutlet>> {
        let rows = sqlx::query!(
            "SELECT devices.name, accepts, place_en, place_zh FROM devices \
             JOIN merchant_outlets ON merchant_outlets.device_id = devices.id \
             WHERE devices.station = ? AND devices.role = 'merchant' AND devices.revoked_at IS NULL \
             AND (place_en IS NOT NULL OR place_zh IS NOT NULL) ORDER BY devices.name",
            station
        )
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.into_iter()
            .map(|r| {
                Ok(PublishedOutlet {
                    name: r.name,
                    outlet: MerchantOutlet::from_stored(r.accepts.as_deref(), r.place_en, r.place_zh)?,
                })
            })
            .collect()
    }

    async fn conflict_first(&self, redemption_id: Uuid) -> Res<Option<Uuid>> {
        let rid = redemption_id.to_string();
        let first = sqlx::query_scalar!(
            "SELECT first_redemption_id FROM redemption_conflicts WHERE redemption_id = ?",
            rid
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        first.as_deref().map(parse_uuid).transpose()
    }

    async fn admin_token(&self, token_hash: &str) -> Res<Option<String>> {
        sqlx::query_scalar!("SELECT name FROM admin_tokens WHERE token_hash = ?", token_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)
    }

    async fn add_admin_token(&self, token_hash: &str, name: &str, now: DateTime<Utc>) -> Res<()> {
        let now = ts(now);
        sqlx::query!(
            "INSERT INTO admin_tokens (token_hash, name, created_at) VALUES (?, ?, ?)",
            token_hash,
            name,
            now
        )
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn flight_vouchers(&self, flight: &str, flight_date: &str) -> Res<Vec<ValueCount>> {
        // Keys are FLIGHT/DATE/…: the prefix's range, '0' being the byte after '/'.
        let (low, high) = (format!("{flight}/{flight_date}/"), format!("{flight}/{flight_date}0"));
        sqlx::query_as!(
            ValueCount,
            r#"SELECT state, currency AS "currency!: String", COUNT(*) AS "count!: i64", SUM(value_minor) AS "value_minor!: i64"
               FROM entitlements_full WHERE entitlement_key >= ? AND entitlement_key < ? AND state IN ('issued', 'voided')
               GROUP BY state, currency ORDER BY state, currency"#,
            low,
            high
        )
        .fetch_all(&self.pool)
        .await
        .map_err(err)
    }

    async fn voucher_flights(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Res<Vec<(String, String)>> {
        // A report's scan (keys are FLIGHT/DATE/…), never on a hot path.
        sqlx::query_as(
            "SELECT DISTINCT substr(entitlement_key, 1, instr(entitlement_key, '/') - 1) AS flight, \
               substr(entitlement_key, instr(entitlement_key, '/') + 1, 10) AS flight_date \
             FROM entitlements_full WHERE state IN ('issued', 'voided') \
               AND substr(entitlement_key, instr(entitlement_key, '/') + 1, 10) BETWEEN ? AND ? \
             ORDER BY flight_date, flight",
        )
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(err)
    }

    async fn reported_redemptions(&self, of: RedemptionsOf<'_>) -> Res<Vec<ReportedRedemption>> {
        let rows = match of {
            RedemptionsOf::Flight { flight, flight_date } => sqlx::query_as!(
                ReportRow,
                "SELECT d.name AS merchant, d.station, r.redemption_id, r.voucher_id, r.redeemed_at, r.kind, \
                 r.value_minor, r.currency, r.flight, r.flight_date, r.serial, r.offline AS \"offline: bool\" FROM redemptions r \
                 JOIN devices d ON d.id = r.device_id WHERE r.flight = ? AND r.flight_date = ? ORDER BY r.redeemed_at",
                flight,
                flight_date
            )
            .fetch_all(&self.pool)
            .await
            .map_err(err)?,
            RedemptionsOf::Between { from, to } => {
                let (from, to) = (ts(from), ts(to));
                sqlx::query_as!(
                    ReportRow,
                    "SELECT d.name AS merchant, d.station, r.redemption_id, r.voucher_id, r.redeemed_at, r.kind, \
                     r.value_minor, r.currency, r.flight, r.flight_date, r.serial, r.offline AS \"offline: bool\" FROM redemptions r \
                     JOIN devices d ON d.id = r.device_id WHERE r.redeemed_at >= ? AND r.redeemed_at < ? \
                     ORDER BY r.redeemed_at",
                    from,
                    to
                )
                .fetch_all(&self.pool)
                .await
                .map_err(err)?
            }
        };
        rows.into_iter()
            .map(|r| {
                Ok(ReportedRedemption {
                    merchant: r.merchant,
                    station: r.station,
                    line: RedemptionLine {
                        redemption_id: parse_uuid(&r.redemption_id)?,
                        voucher_id: r.voucher_id,
                        redeemed_at: parse_ts(&r.redeemed_at)?,
                        kind: r.kind,
                        value_minor: r.value_minor,
                        currency: r.currency,
                        flight: r.flight,
                        flight_date: r.flight_date,
                        serial: r.serial,
                        offline: r.offline,
                    },
                })
            })
            .collect()
    }

    async fn redemptions_by(
        &self,
        device: Uuid,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Res<Vec<RedemptionLine>> {
        let (dev, from, to) = (device.to_string(), ts(from), ts(to));
        let rows = sqlx::query!(
            "SELECT redemption_id, voucher_id, redeemed_at, kind, value_minor, currency, flight, flight_date, serial, \
             offline AS \"offline: bool\" \
             FROM redemptions WHERE device_id = ? AND redeemed_at >= ? AND redeemed_at < ? ORDER BY redeemed_at",
            dev,
            from,
            to
        )
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.into_iter()
            .map(|r| {
                Ok(RedemptionLine {
                    redemption_id: parse_uuid(&r.redemption_id)?,
                    voucher_id: r.voucher_id,
                    redeemed_at: parse_ts(&r.redeemed_at)?,
                    kind: r.kind,
                    value_minor: r.value_minor,
                    currency: r.currency,
                    flight: r.flight,
                    flight_date: r.flight_date,
                    serial: r.serial,
                    offline: r.offline,
                })
            })
            .collect()
    }

    async fn redemption_of_voucher(&self, voucher_id: &str) -> Res<Option<Redemption>> {
        sqlx::query_as!(
            RedemptionRow,
            "SELECT redemption_id, voucher_id, device_id, redeemed_at FROM redemptions WHERE voucher_id = ?",
            voucher_id
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?
        .map(RedemptionRow::into_redemption)
        .transpose()
    }

    async fn offline_acceptances_since(&self, device: Uuid, since: DateTime<Utc>) -> Res<u32> {
        let (dev, since) = (device.to_string(), ts(since));
        let n = sqlx::query_scalar!(
            r#"SELECT (SELECT COUNT(*) FROM redemptions WHERE device_id = ?1 AND offline = 1 AND redeemed_at >= ?2)
                    + (SELECT COUNT(*) FROM redemption_conflicts WHERE device_id = ?1 AND accepted_at >= ?2) AS "n!: i64""#,
            dev,
            since
        )
        .fetch_one(&self.pool)
        .await
        .map_err(err)?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    async fn redemption(&self, redemption_id: Uuid) -> Res<Option<Redemption>> {
        let rid = redemption_id.to_string();
        sqlx::query_as!(
            RedemptionRow,
            "SELECT redemption_id, voucher_id, device_id, redeemed_at FROM redemptions WHERE redemption_id = ?",
            rid
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?
        .map(RedemptionRow::into_redemption)
        .transpose()
    }

    async fn case_events(&self) -> Res<Vec<CaseEventRecord>> {
        let rows = sqlx::query!(
            r#"SELECT r.station, i.kind AS "kind!", i.body FROM feed_items i
               JOIN feed_runs r ON r.first_seq = (SELECT MAX(first_seq) FROM feed_runs WHERE first_seq <= i.server_seq)
               WHERE i.kind IN ('case_opened', 'case_updated')
                 -- Events central refused had no effect (earlier releases stored their payloads).
                 AND json_extract(i.outcome, '$.result') IS NOT 'refused'
               ORDER BY i.server_seq"#
        )
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.into_iter()
            .map(|r| {
                let body: serde_json::Value =
                    serde_json::from_str(&r.body).map_err(|e| DbError::Corrupt(e.to_string()))?;
                Ok(CaseEventRecord { station: r.station, kind: r.kind, payload: body["payload"].clone() })
            })
            .collect()
    }

    async fn issued_event(&self, voucher_id: &str) -> Res<Option<serde_json::Value>> {
        // A full scan: an auditor's question, asked rarely, never on a hot path.
        let body: Option<String> = sqlx::query_scalar(
            "SELECT json_extract(body, '$.payload') FROM feed_items \
             WHERE kind = 'issued' AND json_extract(outcome, '$.result') IS NOT 'refused' \
             AND (json_extract(body, '$.payload.voucher_id') = lower(?1) \
                OR json_extract(body, '$.payload.serial') = upper(?1)) ORDER BY server_seq LIMIT 1",
        )
        .bind(voucher_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        body.map(|b| serde_json::from_str(&b).map_err(|e| DbError::Corrupt(e.to_string()))).transpose()
    }

    async fn decision_policy(&self, hash: &str) -> Res<Option<String>> {
        sqlx::query_scalar(
            "SELECT json_extract(body, '$.payload.policy_toml') FROM feed_items \
             WHERE kind = 'issued' AND json_extract(body, '$.payload.decision.policy') = ? \
               AND json_extract(body, '$.payload.policy_toml') IS NOT NULL ORDER BY server_seq LIMIT 1",
        )
        .bind(hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)
    }

    async fn totals(&self) -> Res<Totals> {
        let r = sqlx::query!(
            r#"SELECT
                (SELECT COUNT(*) FROM devices) AS "devices!: i64",
                (SELECT COUNT(*) FROM feed_items WHERE kind IS NOT NULL) AS "events!: i64",
                (SELECT COUNT(*) FROM feed_items) AS "feed_items!: i64",
                (SELECT COUNT(*) FROM entitlements WHERE state <> 'claimed') AS "issued!: i64",
                (SELECT COUNT(*) FROM conflicts) AS "conflicts!: i64",
                (SELECT COUNT(*) FROM voids) AS "voids!: i64",
                (SELECT COUNT(*) FROM redemptions) AS "redemptions!: i64",
                (SELECT COALESCE(SUM(value_minor), 0) FROM entitlements_full WHERE state <> 'claimed') AS "value!: i64""#
        )
        .fetch_one(&self.pool)
        .await
        .map_err(err)?;
        Ok(Totals {
            devices: r.devices,
            events: r.events,
            feed_items: r.feed_items,
            entitlements_issued: r.issued,
            conflicts: r.conflicts,
            voids: r.voids,
            redemptions: r.redemptions,
            issued_value_minor: r.value,
        })
    }
}

fn revocation_row(device: &str, at: &str, kept: &str) -> Res<RevocationRecord> {
    Ok(RevocationRecord {
        device_id: parse_uuid(device)?,
        effective_at: parse_ts(at)?,
        kept: serde_json::from_str(kept).map_err(err)?,
    })
}

/// Whether any device holds or held `kid`.
async fn kid_taken_in(tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>, kid: &str) -> Res<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM devices WHERE signing_kid = ?1) + (SELECT COUNT(*) FROM retired_keys WHERE kid = ?1)",
    )
    .bind(kid)
    .fetch_one(&mut **tx)
    .await
    .map_err(err)?;
    Ok(n > 0)
}

#[derive(sqlx::FromRow)]
struct RetiredRow {
    kid: String,
    device_id: String,
    station: String,
    revoked: bool,
    public_key: String,
    not_before: String,
    not_after: String,
    certificate: String,
}

impl RetiredRow {
    fn into_key(self) -> Res<RetiredKey> {
        Ok(RetiredKey {
            device_id: parse_uuid(&self.device_id)?,
            station: self.station,
            revoked: self.revoked,
            signing: SigningKeyRecord {
                kid: self.kid,
                public_key: self.public_key,
                not_before: parse_ts(&self.not_before)?,
                not_after: parse_ts(&self.not_after)?,
                certificate: self.certificate,
            },
        })
    }
}

/// Makes the database file and its companions readable by their owner only
/// (a file created before central set its umask may be 0644).
fn owner_only(path: &std::path::Path) -> Res<()> {
    use std::os::unix::fs::PermissionsExt;
    for suffix in ["", "-wal", "-shm"] {
        let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
        match std::fs::metadata(&file) {
            Ok(m) if m.permissions().mode() & 0o077 != 0 => {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                    .map_err(|e| DbError::Backend(format!("{}: {e}", file.display())))?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// One claim of [`Database::claims`], in the caller's transaction.
async fn claim_in(
    tx: &mut Tx,
    device: &DeviceRecord,
    req: &ClaimRequest,
    now: DateTime<Utc>,
    hold_until: DateTime<Utc>,
) -> Res<ClaimResponse> {
    let (dev, now_s, until) = (device.id.to_string(), ts(now), ts(hold_until));
    let leased_to = sqlx::query_scalar!(
        "SELECT device_id FROM leases WHERE ((scope = 'flight' AND key = ?) OR (scope = 'entitlement' AND key = ?)) \
         AND expires_at > ? AND device_id <> ? LIMIT 1",
        req.flight_id,
        req.entitlement_key,
        now_s,
        dev
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(err)?;
    if leased_to.is_some() {
        // Held by the lease: a claim's answer says no more than "elsewhere"
        // (the station's devices learn leases from the feed).
        return Ok(ClaimResponse::Refused { reason: "held_elsewhere".into() });
    }
    // A new claim, this device's claim again (its hold renewed), or
    // another device's lapsed claim taken over. Anything else (issued,
    // voided, a live claim elsewhere) is left alone.
    let held = sqlx::query!(
        r#"SELECT state, device_id AS "device_id!: String", COALESCE(claimed_until, '') AS "until!: String"
               FROM entitlements_full WHERE entitlement_key = ?"#,
        req.entitlement_key
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(err)?;
    let answer = match held {
        Some(h) if h.state == "claimed" && (h.device_id == dev || h.until <= now_s) => {
            sqlx::query!(
                "UPDATE entitlement_facts SET voucher_id = ?, device_id = ?, flight_id = ?, claimed_until = ? \
                 WHERE entitlement_key = ?",
                req.voucher_id,
                dev,
                req.flight_id,
                until,
                req.entitlement_key
            )
            .execute(&mut **tx)
            .await
            .map_err(err)?;
            ClaimResponse::Granted
        }
        // Issued here already (a retry after the issue): granted again.
        Some(h) if h.state == "issued" && h.device_id == dev => ClaimResponse::Granted,
        Some(_) => ClaimResponse::Refused { reason: "held_elsewhere".into() },
        None => {
            sqlx::query!(
                "INSERT INTO entitlements (entitlement_key, state) VALUES (?, 'claimed')",
                req.entitlement_key
            )
            .execute(&mut **tx)
            .await
            .map_err(err)?;
            sqlx::query!(
                "INSERT INTO entitlement_facts (entitlement_key, voucher_id, device_id, flight_id, value_minor, \
                 currency, claimed_until) VALUES (?, ?, ?, ?, 0, '', ?)",
                req.entitlement_key,
                req.voucher_id,
                dev,
                req.flight_id,
                until
            )
            .execute(&mut **tx)
            .await
            .map_err(err)?;
            ClaimResponse::Granted
        }
    };
    Ok(answer)
}
