//! Central's PostgreSQL backend.
//!
//! Pushes are batched. The common push (it continues its device's log, every
//! issuance new, no voids) is one statement whatever its size
//! (`push_common`). Any other takes the full path, a few statements per
//! batch: lock the device row, answer replayed events from what is stored,
//! insert the entitlements with `UNNEST … ON CONFLICT DO NOTHING`, insert the
//! feed items with `UNNEST` under a fresh block, then in one statement reserve the server_seq range
//! and store the runs that number the block's items (see `feed` and
//! migration 0005). Only rows that did not insert (a confirmed claim, a
//! double issuance) and voids take the per-row path. Lock order is device → entitlements → counters everywhere, so pushes,
//! claims and redemptions cannot deadlock.
//!
//! The common push inserts entitlements with a plain insert: `ON CONFLICT
//! DO NOTHING`'s speculative insertion nearly doubled the per-row cost, so
//! only the full path, which a key that exists leads to, uses it. A device
//! event's item keeps its payload as the body and its id and time (as sent,
//! to the nanosecond) beside it; the envelope other devices see is rebuilt
//! on read (migration 0006), since device, seq and kind are in the run and
//! the item already, and parsing them again per event cost about 6 % of
//! ingest.
//!
//! A block's items are one row of arrays (`feed_item_blocks`, migration
//! 0022), compressed by TOAST, and readers unnest them. A row per item cost
//! a heap tuple and a key entry per event; with the entitlement row that
//! held central at 0.39–0.51× of a bare row per event, below the ≥ 0.5×
//! goal. One row per block: 0.55–0.59× (`gatecare-bench central`, five runs
//! of each build alternated on one 2-core machine, 2026-12-07). A pull reads
//! whole blocks (a push's: up to 1,000 events and what central published
//! with them), each once, and keeps the items it asked for. Service-recovery
//! events are also kept on their own (`feed_case_items`), so checking a case
//! update's station reads no block.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use gatecare_server_database::feed::{
    DeviceRun, FeedRun, StoredItem, applied_acks, outcome_text, page_items, plan_page, replay_acks,
    replay_bodies, replay_ranges, span_ranges,
};
use gatecare_server_database::{
    AgentRecord, CaseEventRecord, Database, DbError, DeviceRecord, EnrolmentCode, IssueDecision, LeaseRecord,
    MerchantOutlet, NewDevice, NewEnrolmentCode, PublishedOutlet, RedeemOutcome, RedeemedVoucher, Redemption,
    RedemptionConflict, RedemptionLine, RedemptionsOf, RefusedVoucher, ReportedRedemption, RetiredKey,
    RevocationRecord, SigningKeyRecord, StationFlight, Totals, ValueCount, VoidBy, VoidRecord, decide_issue,
    event_time_text, refused_void_reason, void_not_yours, voucher_not_yours,
};
use gatecare_sync::voucher_id::{binding, is_bound_to};
use gatecare_sync::{
    CheckedBatch, ClaimRequest, ClaimResponse, ConflictReport, DeviceRole, Event, EventAck, EventKind,
    IssuanceFacts, Outcome, PullResponse, PushResponse, Topic,
};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

/// The retired keys with their device's station and state.
macro_rules! retired_select {
    () => {
        "SELECT r.kid, r.device_id, d.station, d.revoked_at IS NOT NULL AS revoked, r.public_key, \
     r.not_before, r.not_after, r.certificate FROM retired_keys r JOIN devices d ON d.id = r.device_id"
    };
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Clone)]
pub struct PgDatabase {
    pool: PgPool,
}

type Res<T> = Result<T, DbError>;
type Tx = Transaction<'static, Postgres>;

fn err(e: impl std::fmt::Display) -> DbError {
    DbError::backend(e)
}

fn parse_role(s: &str) -> Res<DeviceRole> {
    DeviceRole::parse(s).ok_or_else(|| DbError::Corrupt(format!("role {s:?}")))
}

struct DeviceRow {
    id: Uuid,
    name: String,
    station: String,
    role: String,
    signing_kid: Option<String>,
    signing_public_key: Option<String>,
    not_before: Option<DateTime<Utc>>,
    not_after: Option<DateTime<Utc>>,
    certificate: Option<String>,
    enrolled_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
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
            (Some(kid), Some(public_key), Some(not_before), Some(not_after), Some(certificate)) => {
                Some(SigningKeyRecord { kid, public_key, not_before, not_after, certificate })
            }
            _ => None,
        };
        Ok(DeviceRecord {
            id: self.id,
            name: self.name,
            station: self.station,
            role: parse_role(&self.role)?,
            signing,
            enrolled_at: self.enrolled_at,
            revoked_at: self.revoked_at,
            high_seq: self.high_seq,
        })
    }
}

impl PgDatabase {
    /// The common push (it continues the device's log, every issuance is
    /// new, nothing is voided) as one statement, committed as it ends: no
    /// round trip to central holds the counter lock, and there are none of
    /// the full path's seven. The statement checks what it assumes and
    /// stores nothing when that fails — the device's high_seq is not the
    /// batch's first seq − 1 (a replay, a gap, a stale record), or an
    /// entitlement is there already or twice in the batch (the plain
    /// insert's unique violation) — and `None` sends the push down the full
    /// path, which decides those.
    async fn push_common(
        &self,
        device: &DeviceRecord,
        batch: &CheckedBatch<'_>,
        now: DateTime<Utc>,
    ) -> Res<Option<PushResponse>> {
        let events = batch.events();
        let facts = batch.issuance();
        let (first, last) = batch.seqs();
        let issued = IssuedColumns::new(events, facts);
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        let bodies: Vec<&str> = batch.payload_texts().iter().map(String::as_str).collect();
        let event_ids: Vec<Uuid> = events.iter().map(|e| e.event_id).collect();
        let ats: Vec<String> = events.iter().map(|e| event_time_text(e.at)).collect();
        // Lock order as everywhere: device, entitlements, counter. The
        // counter's condition reads the counts of the rows inserted above
        // it, which makes PostgreSQL insert them before it locks the row.
        let base = sqlx::query_scalar!(
            r#"WITH d AS (UPDATE devices SET high_seq = $2, last_seen_at = $3 WHERE id = $1 AND high_seq = $4::bigint - 1
                          RETURNING id),
               e AS (INSERT INTO entitlements (entitlement_key, voucher_id, device_id, flight_id, value_minor, currency,
                       state)
                     SELECT k, v, d.id, fl, val, c, 'issued'
                     FROM d, UNNEST($5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[]) AS u(k, v, fl, val, c)
                     RETURNING 1),
               n AS (SELECT nextval('feed_blocks') AS block FROM d),
               i AS (INSERT INTO feed_item_blocks (block, events, items, kinds, bodies, event_ids, ats)
                     SELECT n.block, $14::bigint::int, $14::bigint::int, $10::text[], $11::text[]::json[], $12::uuid[], $13::text[]
                     FROM n
                     RETURNING 1),
               cs AS (INSERT INTO feed_case_items (block, idx, kind, case_id, body)
                      SELECT n.block, (u.n - 1)::int, u.k, u.b::json ->> 'case_id', u.b::json
                      FROM n, UNNEST($10::text[], $11::text[]) WITH ORDINALITY AS u(k, b, n)
                      WHERE $10::text[] && ARRAY['case_opened', 'case_updated'] AND u.k IN ('case_opened', 'case_updated')
                      RETURNING 1),
               c AS (UPDATE counters SET value = value + $14
                     WHERE name = 'server_seq' AND EXISTS (SELECT 1 FROM n)
                       AND (SELECT count(*) FROM e) + (SELECT count(*) FROM i) + (SELECT count(*) FROM cs) >= 0
                     RETURNING value - $14 + 1 AS base),
               r AS (INSERT INTO feed_runs (first_seq, last_seq, station, topic, origin_device, first_device_seq, at,
                       block, first_idx)
                     SELECT c.base, c.base + $14 - 1, $15, $16, $1, $4, $3, n.block, 0 FROM c, n)
               SELECT base AS "base!" FROM c"#,
            device.id,
            last,
            now,
            first,
            &issued.keys as &[&str],
            &issued.vouchers as &[&str],
            &issued.flights as &[&str],
            &issued.values,
            &issued.currencies as &[&str],
            &kinds as &[&str],
            &bodies as &[&str],
            &event_ids,
            &ats,
            events.len() as i64,
            &device.station,
            Topic::Event.as_str()
        )
        .fetch_optional(&self.pool)
        .await;
        let base = match base {
            Ok(Some(base)) => base,
            Ok(None) => return Ok(None),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Ok(None),
            Err(e) => return Err(err(e)),
        };
        Ok(Some(PushResponse { acks: applied_acks(events, base), high_seq: last }))
    }

    /// Connects to `postgres://…` and runs the migrations.
    pub async fn open(url: &str) -> Res<PgDatabase> {
        let options = PgConnectOptions::from_str(url).map_err(err)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(err)?;
        MIGRATOR.run(&pool).await.map_err(err)?;
        Ok(PgDatabase { pool })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn tx(&self) -> Res<Tx> {
        self.pool.begin().await.map_err(err)
    }
}

/// The columns of a batch's bulk entitlement insert: one row per issued
/// event (voids and reprints name an entitlement but add none).
struct IssuedColumns<'a> {
    keys: Vec<&'a str>,
    vouchers: Vec<&'a str>,
    flights: Vec<&'a str>,
    currencies: Vec<&'a str>,
    values: Vec<i64>,
}

impl<'a> IssuedColumns<'a> {
    fn new(events: &[Event], facts: &[Option<IssuanceFacts<'a>>]) -> IssuedColumns<'a> {
        let mut c = IssuedColumns {
            keys: Vec::new(),
            vouchers: Vec::new(),
            flights: Vec::new(),
            currencies: Vec::new(),
            values: Vec::new(),
        };
        for f in events
            .iter()
            .zip(facts)
            .filter(|(e, _)| e.kind == EventKind::Issued)
            .filter_map(|(_, f)| f.as_ref())
        {
            c.keys.push(f.entitlement_key);
            c.vouchers.push(f.voucher_id);
            c.flights.push(f.flight_id);
            c.currencies.push(f.currency);
            c.values.push(f.value_minor);
        }
        c
    }
}

/// A feed row not yet numbered.
struct PendingFeed {
    station: String,
    topic: Topic,
    body: serde_json::Value,
}

/// A run of feed items to store (see `feed`): the items `first_idx..` of
/// `block` get server_seqs `base + first ..= base + last`, where `base` is
/// what `number_runs` reserves.
struct NewRun<'a> {
    first: i64,
    last: i64,
    block: i64,
    first_idx: i32,
    station: &'a str,
    topic: Topic,
    origin: Option<Uuid>,
    first_device_seq: Option<i64>,
}

/// Reserves consecutive server_seqs for the runs' items and stores the runs,
/// in one statement; returns the first server_seq. The counter row stays
/// locked until commit, which keeps the feed visible in order, so this comes
/// last: the items are already stored under their block (see migration
/// 0005), and only this statement and the commit wait for the lock.
async fn number_runs(tx: &mut Tx, runs: &[NewRun<'_>], now: DateTime<Utc>) -> Res<i64> {
    let count = runs.iter().map(|r| r.last + 1).max().unwrap_or(0);
    let firsts: Vec<i64> = runs.iter().map(|r| r.first).collect();
    let lasts: Vec<i64> = runs.iter().map(|r| r.last).collect();
    let blocks: Vec<i64> = runs.iter().map(|r| r.block).collect();
    let idxs: Vec<i32> = runs.iter().map(|r| r.first_idx).collect();
    let stations: Vec<&str> = runs.iter().map(|r| r.station).collect();
    let topics: Vec<&str> = runs.iter().map(|r| r.topic.as_str()).collect();
    let origins: Vec<Option<Uuid>> = runs.iter().map(|r| r.origin).collect();
    let device_seqs: Vec<Option<i64>> = runs.iter().map(|r| r.first_device_seq).collect();
    sqlx::query_scalar!(
        r#"WITH c AS (UPDATE counters SET value = value + $10 WHERE name = 'server_seq' RETURNING value - $10 + 1 AS base),
           r AS (INSERT INTO feed_runs (first_seq, last_seq, station, topic, origin_device, first_device_seq, at, block,
                   first_idx)
                 SELECT c.base + f, c.base + l, s, t, o, d, $7, b, i FROM c, UNNEST($1::bigint[], $2::bigint[],
                   $3::text[], $4::text[], $5::uuid[], $6::bigint[], $8::bigint[], $9::int[]) AS u(f, l, s, t, o, d, b, i))
           SELECT base AS "base!" FROM c"#,
        &firsts,
        &lasts,
        &stations as &[&str],
        &topics as &[&str],
        &origins as &[Option<Uuid>],
        &device_seqs as &[Option<i64>],
        now,
        &blocks,
        &idxs,
        count
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(err)
}

async fn publish_in(
    tx: &mut Tx,
    station: &str,
    topic: Topic,
    body: &serde_json::Value,
    now: DateTime<Utc>,
) -> Res<i64> {
    let body = body.to_string();
    let block = sqlx::query_scalar!(
        "INSERT INTO feed_item_blocks (block, events, items, bodies) \
         VALUES (nextval('feed_blocks'), 0, 1, ARRAY[$1::text::json]) RETURNING block",
        body
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(err)?;
    let run = NewRun {
        first: 0,
        last: 0,
        block,
        first_idx: 0,
        station,
        topic,
        origin: None,
        first_device_seq: None,
    };
    number_runs(tx, &[run], now).await
}

/// The feed items of the given server_seq ranges, in server_seq order. A
/// device event's envelope is rebuilt as `event_feed_text` writes it (see
/// migration 0006). Each block the ranges touch is unnested once, however
/// many runs of it they cover (a push's voids are one run each: the CTE is
/// materialised so that no plan unnests it per run), keeping the items
/// between the first and the last wanted, and each item is matched to its run.
async fn fetch_items(conn: &mut sqlx::PgConnection, ranges: &[(i64, i64)]) -> Res<Vec<StoredItem>> {
    if ranges.is_empty() {
        return Ok(Vec::new());
    }
    let (los, his): (Vec<i64>, Vec<i64>) = ranges.iter().copied().unzip();
    sqlx::query_as!(
        StoredItem,
        r#"WITH spans AS (
             SELECT r.block, r.first_seq, r.first_idx, r.origin_device, r.first_device_seq,
                    r.first_idx + (GREATEST(q.lo, r.first_seq) - r.first_seq) AS lo_idx,
                    r.first_idx + (LEAST(q.hi, r.last_seq) - r.first_seq) AS hi_idx
             FROM UNNEST($1::bigint[], $2::bigint[]) AS q(lo, hi)
             CROSS JOIN LATERAL (SELECT first_seq, last_seq, block, first_idx, origin_device, first_device_seq
               FROM feed_runs
               WHERE first_seq <= q.hi
                 AND first_seq >= COALESCE((SELECT MAX(first_seq) FROM feed_runs WHERE first_seq <= q.lo), q.lo)) r),
           blocks AS (SELECT block, MIN(lo_idx) AS lo, MAX(hi_idx) AS hi FROM spans GROUP BY block),
           items AS MATERIALIZED (
             SELECT b.block, i.n - 1 AS idx, i.kind, i.outcome, i.body, i.event_id, i.at
             FROM blocks t
             JOIN feed_item_blocks b ON b.block = t.block
             CROSS JOIN LATERAL UNNEST(b.kinds, b.outcomes, b.bodies, b.event_ids, b.ats)
               WITH ORDINALITY AS i(kind, outcome, body, event_id, at, n)
             WHERE i.n - 1 BETWEEN t.lo AND t.hi)
           SELECT s.first_seq + (i.idx - s.first_idx) AS "server_seq!", i.outcome::text AS outcome,
                  CASE WHEN i.kind IS NULL THEN i.body::text
                    ELSE '{"at":' || to_json(i.at)::text || ',"device":"' || s.origin_device || '","event_id":"'
                      || i.event_id || '","kind":"' || i.kind || '","payload":' || i.body::text || ',"seq":'
                      || (s.first_device_seq + (i.idx - s.first_idx)) || '}' END AS "body!"
           FROM items i JOIN spans s ON s.block = i.block AND i.idx BETWEEN s.lo_idx AND s.hi_idx
           ORDER BY 1"#,
        &los,
        &his
    )
    .fetch_all(conn)
    .await
    .map_err(err)
}

/// Adds a voucher to the void list; the feed item is returned for the caller
/// to number (so counters are locked last).
async fn add_void(
    tx: &mut Tx,
    voucher_id: &str,
    reason: &str,
    by: VoidBy<'_>,
    now: DateTime<Utc>,
) -> Res<Option<PendingFeed>> {
    let inserted = sqlx::query!(
        "INSERT INTO voids (voucher_id, voided_at, reason, voided_by_device, voided_by) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (voucher_id) DO NOTHING",
        voucher_id,
        now,
        reason,
        by.device,
        by.actor
    )
    .execute(&mut **tx)
    .await
    .map_err(err)?
    .rows_affected();
    Ok((inserted == 1).then(|| PendingFeed {
        station: "*".into(),
        topic: Topic::Void,
        body: serde_json::json!({"voucher_id": voucher_id, "voided_at": now, "reason": reason}),
    }))
}

/// The per-row path of an `issued` event that did not insert in bulk.
/// Whether central has never seen this voucher id: only such a voucher, the
/// one a device printed for an `issued` event central refused, is voided
/// for the refusal (a known id is another device's, or already decided).
/// An id bound to the device (`gatecare_sync::voucher_id`) can only have
/// come from it, under `key`; an unbound one is in the unbound index.
async fn voucher_unknown(tx: &mut Tx, device: Uuid, key: &str, voucher_id: &str) -> Res<bool> {
    if !is_bound_to(voucher_id, device) && binding(voucher_id).is_some() {
        let bound_elsewhere: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM devices WHERE id <> $1 AND right(id::text, 12) = right($2, 12))",
        )
        .bind(device)
        .bind(voucher_id)
        .fetch_one(&mut **tx)
        .await
        .map_err(err)?;
        if bound_elsewhere {
            return Ok(false);
        }
    }
    sqlx::query_scalar(
        "SELECT NOT EXISTS (SELECT 1 FROM entitlements WHERE voucher_id = $1 AND state <> 'claimed' \
                            AND right(voucher_id, 12) <> right(device_id::text, 12)) \
            AND NOT EXISTS (SELECT 1 FROM entitlements WHERE entitlement_key = $2 AND voucher_id = $1) \
            AND NOT EXISTS (SELECT 1 FROM conflicts WHERE winner_voucher_id = $1 OR loser_voucher_id = $1)",
    )
    .bind(voucher_id)
    .bind(key)
    .fetch_one(&mut **tx)
    .await
    .map_err(err)
}

/// Whether `device` may void this voucher: it issued it (the entitlement's
/// voucher, or a double issuance's loser), or it is a console of the
/// station whose device issued it.
async fn may_void(tx: &mut Tx, key: &str, voucher_id: &str, device: &DeviceRecord) -> Res<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM entitlements e JOIN devices d ON d.id = e.device_id \
                        WHERE e.entitlement_key = $1 AND e.voucher_id = $2 AND e.state <> 'claimed' \
                          AND (e.device_id = $3 OR ($4 AND d.station = $5))) \
             OR EXISTS (SELECT 1 FROM conflicts WHERE loser_voucher_id = $2 AND loser_device = $3 \
                        AND entitlement_key = $1)",
    )
    .bind(key)
    .bind(voucher_id)
    .bind(device.id)
    .bind(device.role == DeviceRole::Console)
    .bind(&device.station)
    .fetch_one(&mut **tx)
    .await
    .map_err(err)
}

async fn apply_issue(
    tx: &mut Tx,
    device: &DeviceRecord,
    e: &Event,
    now: DateTime<Utc>,
    pending: &mut Vec<PendingFeed>,
) -> Res<Outcome> {
    let Some(f) = e.issuance() else { return Ok(Outcome::Applied) };
    // A voucher id is one device's: naming one held under another
    // entitlement would rewrite, void or take over that voucher. An id
    // bound to this device is its own (one bound to another was refused
    // before); an unbound one is looked up in its index.
    let elsewhere: bool = !is_bound_to(f.voucher_id, device.id)
        && sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM entitlements WHERE voucher_id = $1 AND state <> 'claimed' \
             AND right(voucher_id, 12) <> right(device_id::text, 12) AND entitlement_key <> $2)",
        )
        .bind(f.voucher_id)
        .bind(f.entitlement_key)
        .fetch_one(&mut **tx)
        .await
        .map_err(err)?;
    if elsewhere {
        return Ok(voucher_not_yours());
    }
    // Twice at most: a concurrent insert between our look-up and insert
    // makes the second look-up find it.
    for _ in 0..2 {
        // A claim past its hold reads as lapsed: any real issuance takes it.
        let existing = sqlx::query!(
            r#"SELECT voucher_id, device_id,
                      CASE WHEN state = 'claimed' AND (claimed_until IS NULL OR claimed_until <= $2) THEN 'lapsed'
                           ELSE state END AS "state!"
               FROM entitlements WHERE entitlement_key = $1 FOR UPDATE"#,
            f.entitlement_key,
            now
        )
        .fetch_optional(&mut **tx)
        .await
        .map_err(err)?;
        let decision = decide_issue(
            device.id,
            f.voucher_id,
            f.replaces,
            existing.as_ref().map(|r| (r.voucher_id.as_str(), r.device_id, r.state.as_str())),
        );
        match decision {
            IssueDecision::Insert => {
                let n = sqlx::query!(
                    "INSERT INTO entitlements (entitlement_key, voucher_id, device_id, flight_id, value_minor, currency, \
                     state) VALUES ($1, $2, $3, $4, $5, $6, 'issued') ON CONFLICT DO NOTHING",
                    f.entitlement_key,
                    f.voucher_id,
                    device.id,
                    f.flight_id,
                    f.value_minor,
                    f.currency
                )
                .execute(&mut **tx)
                .await
                .map_err(err)?
                .rows_affected();
                if n == 1 {
                    return Ok(Outcome::Applied);
                }
            }
            IssueDecision::NotYours => return Ok(voucher_not_yours()),
            IssueDecision::TakeOver => {
                sqlx::query!(
                    "UPDATE entitlements SET voucher_id = $1, device_id = $2, value_minor = $3, currency = $4, \
                     state = 'issued', claimed_until = NULL WHERE entitlement_key = $5 AND state = 'claimed'",
                    f.voucher_id,
                    device.id,
                    f.value_minor,
                    f.currency,
                    f.entitlement_key
                )
                .execute(&mut **tx)
                .await
                .map_err(err)?;
                return Ok(Outcome::Applied);
            }
            IssueDecision::Confirm => {
                sqlx::query!(
                    "UPDATE entitlements SET voucher_id = $1, value_minor = $2, currency = $3, claimed_until = NULL, \
                     state = CASE WHEN state = 'claimed' THEN 'issued' ELSE state END WHERE entitlement_key = $4",
                    f.voucher_id,
                    f.value_minor,
                    f.currency,
                    f.entitlement_key
                )
                .execute(&mut **tx)
                .await
                .map_err(err)?;
                return Ok(Outcome::Applied);
            }
            IssueDecision::Replace => {
                sqlx::query!(
                    "UPDATE entitlements SET voucher_id = $1, device_id = $2, value_minor = $3, currency = $4, \
                     state = 'issued' WHERE entitlement_key = $5 AND state = 'voided'",
                    f.voucher_id,
                    device.id,
                    f.value_minor,
                    f.currency,
                    f.entitlement_key
                )
                .execute(&mut **tx)
                .await
                .map_err(err)?;
                return Ok(Outcome::Applied);
            }
            IssueDecision::Conflict { winner_voucher_id, winner_device } => {
                sqlx::query!(
                    "INSERT INTO conflicts (entitlement_key, station, flight_id, passenger_id, winner_voucher_id, \
                     winner_device, loser_voucher_id, loser_device, detected_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     ON CONFLICT (loser_voucher_id) DO NOTHING",
                    f.entitlement_key,
                    device.station,
                    f.flight_id,
                    f.passenger_id,
                    winner_voucher_id,
                    winner_device,
                    f.voucher_id,
                    device.id,
                    now
                )
                .execute(&mut **tx)
                .await
                .map_err(err)?;
                pending.extend(add_void(tx, f.voucher_id, "double_issuance", VoidBy::CENTRAL, now).await?);
                pending.push(PendingFeed {
                    station: device.station.clone(),
                    topic: Topic::Conflict,
                    body: serde_json::json!({
                        "entitlement_key": f.entitlement_key, "flight_id": f.flight_id, "passenger_id": f.passenger_id,
                        "winner_voucher_id": winner_voucher_id, "winner_device": winner_device,
                        "loser_voucher_id": f.voucher_id, "loser_device": device.id, "detected_at": now,
                        "advice": gatecare_sync::CONFLICT_ADVICE,
                    }),
                });
                return Ok(Outcome::Conflict { winner_voucher_id, winner_device });
            }
        }
    }
    Err(DbError::Backend(format!("entitlement {} kept changing under the push", f.entitlement_key)))
}

/// A redemption row with its merchant, as the report reads it.
struct ReportRow {
    merchant: String,
    station: String,
    redemption_id: Uuid,
    voucher_id: String,
    redeemed_at: DateTime<Utc>,
    kind: Option<String>,
    value_minor: Option<i64>,
    currency: Option<String>,
    flight: Option<String>,
    flight_date: Option<String>,
    serial: Option<String>,
    offline: bool,
}

impl Database for PgDatabase {
    fn backend_name(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> Res<()> {
        sqlx::query_scalar!("SELECT 1").fetch_one(&self.pool).await.map_err(err)?;
        Ok(())
    }

    async fn add_enrolment_code(&self, c: &NewEnrolmentCode) -> Res<()> {
        sqlx::query!(
            "INSERT INTO enrolment_codes (code_hash, station, role, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            c.code_hash,
            c.station,
            c.role.as_str(),
            c.created_at,
            c.expires_at
        )
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn enrolment_code(&self, code_hash: &str, now: DateTime<Utc>) -> Res<Option<EnrolmentCode>> {
        let row = sqlx::query!(
            "SELECT station, role, expires_at FROM enrolment_codes WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2",
            code_hash,
            now
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        row.map(|r| {
            Ok(EnrolmentCode { station: r.station, role: parse_role(&r.role)?, expires_at: r.expires_at })
        })
        .transpose()
    }

    async fn enrol(&self, code_hash: &str, d: &NewDevice, now: DateTime<Utc>) -> Res<DeviceRecord> {
        let mut tx = self.tx().await?;
        let code = sqlx::query!(
            "UPDATE enrolment_codes SET used_at = $1, used_by = $2 WHERE code_hash = $3 AND used_at IS NULL AND expires_at > $1 \
             RETURNING station, role",
            now,
            d.id,
            code_hash
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?
        .ok_or(DbError::CodeInvalid)?;
        let s = d.signing.as_ref();
        if let Some(kid) = s.map(|s| s.kid.as_str())
            && kid_taken_in(&mut tx, kid).await?
        {
            return Err(DbError::KidTaken(kid.to_owned()));
        }
        sqlx::query!(
            "INSERT INTO devices (id, name, station, role, token_hash, signing_kid, signing_public_key, not_before, \
             not_after, certificate, enrolled_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            d.id,
            d.name,
            code.station,
            code.role,
            d.token_hash,
            s.map(|s| s.kid.as_str()),
            s.map(|s| s.public_key.as_str()),
            s.map(|s| s.not_before),
            s.map(|s| s.not_after),
            s.map(|s| s.certificate.as_str()),
            now
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
            enrolled_at: now,
            revoked_at: None,
            high_seq: 0,
        })
    }

    async fn device_by_token(&self, token_hash: &str) -> Res<Option<DeviceRecord>> {
        sqlx::query_as!(
            DeviceRow,
            "SELECT id, name, station, role, signing_kid, signing_public_key, not_before, not_after, certificate, \
             enrolled_at, revoked_at, high_seq FROM devices WHERE token_hash = $1",
            token_hash
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?
        .map(DeviceRow::into_record)
        .transpose()
    }

    async fn device_by_id(&self, id: Uuid) -> Res<Option<DeviceRecord>> {
        sqlx::query_as!(
            DeviceRow,
            "SELECT id, name, station, role, signing_kid, signing_public_key, not_before, not_after, certificate, \
             enrolled_at, revoked_at, high_seq FROM devices WHERE id = $1",
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
             enrolled_at, revoked_at, high_seq FROM devices WHERE signing_kid = $1",
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
        let n = sqlx::query("UPDATE devices SET role = $1 WHERE id = $2 AND revoked_at IS NULL AND role IN ('kiosk', 'console')")
            .bind(role.as_str())
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(err)?
            .rows_affected();
        Ok(n == 1)
    }

    async fn consoles_owed_agents(&self) -> Res<Vec<Uuid>> {
        sqlx::query_scalar("SELECT device_id FROM consoles_owed_agents ORDER BY device_id")
            .fetch_all(&self.pool)
            .await
            .map_err(err)
    }

    async fn agents_sent_to_console(&self, id: Uuid) -> Res<()> {
        sqlx::query("DELETE FROM consoles_owed_agents WHERE device_id = $1")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn recertify_device(&self, id: Uuid, signing: &SigningKeyRecord) -> Res<bool> {
        let n = sqlx::query!(
            "UPDATE devices SET not_before = $1, not_after = $2, certificate = $3 \
             WHERE id = $4 AND signing_kid = $5 AND signing_public_key = $6 AND revoked_at IS NULL",
            signing.not_before,
            signing.not_after,
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
            "SELECT (SELECT COUNT(*) FROM devices WHERE lower(signing_public_key) = $1) \
                  + (SELECT COUNT(*) FROM retired_keys WHERE lower(public_key) = $1)",
        )
        .bind(public_key)
        .fetch_one(&self.pool)
        .await
        .map_err(err)?;
        Ok(n > 0)
    }

    async fn kid_taken(&self, kid: &str) -> Res<bool> {
        let mut tx = self.tx().await?;
        kid_taken_in(&mut tx, kid).await
    }

    async fn rotate_key(&self, device: Uuid, next: &SigningKeyRecord, now: DateTime<Utc>) -> Res<bool> {
        let mut tx = self.tx().await?;
        if kid_taken_in(&mut tx, &next.kid).await? {
            return Err(DbError::KidTaken(next.kid.clone()));
        }
        let retired = sqlx::query(
            "INSERT INTO retired_keys (kid, device_id, public_key, not_before, not_after, certificate, retired_at) \
             SELECT signing_kid, id, signing_public_key, not_before, not_after, certificate, $1 FROM devices \
             WHERE id = $2 AND revoked_at IS NULL AND signing_kid IS NOT NULL",
        )
        .bind(now)
        .bind(device)
        .execute(&mut *tx)
        .await
        .map_err(err)?
        .rows_affected();
        if retired != 1 {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE devices SET signing_kid = $1, signing_public_key = $2, not_before = $3, not_after = $4, \
             certificate = $5 WHERE id = $6",
        )
        .bind(&next.kid)
        .bind(&next.public_key)
        .bind(next.not_before)
        .bind(next.not_after)
        .bind(&next.certificate)
        .bind(device)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(true)
    }

    async fn retired_keys(&self) -> Res<Vec<RetiredKey>> {
        let rows: Vec<RetiredRow> =
            sqlx::query_as(retired_select!()).fetch_all(&self.pool).await.map_err(err)?;
        Ok(rows.into_iter().map(RetiredRow::into_key).collect())
    }

    async fn retired_key(&self, kid: &str) -> Res<Option<RetiredKey>> {
        let row: Option<RetiredRow> = sqlx::query_as(concat!(retired_select!(), " WHERE r.kid = $1"))
            .bind(kid)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        Ok(row.map(RetiredRow::into_key))
    }

    async fn bound_elsewhere(&self, device: Uuid, bindings: &[String]) -> Res<Vec<String>> {
        sqlx::query_scalar(
            "SELECT DISTINCT right(id::text, 12) FROM devices WHERE id <> $1 AND right(id::text, 12) = ANY($2)",
        )
        .bind(device)
        .bind(bindings)
        .fetch_all(&self.pool)
        .await
        .map_err(err)
    }

    async fn revoke_device(&self, id: Uuid, now: DateTime<Utc>) -> Res<bool> {
        let n =
            sqlx::query!("UPDATE devices SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL", now, id)
                .execute(&self.pool)
                .await
                .map_err(err)?
                .rows_affected();
        Ok(n == 1)
    }

    async fn received_at(&self, device: Uuid, seq: i64) -> Res<Option<DateTime<Utc>>> {
        // The run that holds `seq`: the device's last to start at or before it.
        sqlx::query_scalar(
            "SELECT at FROM feed_runs WHERE origin_device = $1 AND first_device_seq <= $2 \
             ORDER BY first_device_seq DESC LIMIT 1",
        )
        .bind(device)
        .bind(seq)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)
    }

    async fn void_refused(
        &self,
        vouchers: &[RefusedVoucher],
        reason: &str,
        now: DateTime<Utc>,
    ) -> Res<usize> {
        let mut tx = self.tx().await?;
        let mut voided = 0;
        for v in vouchers {
            sqlx::query(
                "UPDATE entitlements SET state = 'voided' WHERE entitlement_key = $1 AND voucher_id = $2",
            )
            .bind(&v.entitlement_key)
            .bind(&v.voucher_id)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
            if let Some(item) = add_void(&mut tx, &v.voucher_id, reason, VoidBy::CENTRAL, now).await? {
                publish_in(&mut tx, &item.station, item.topic, &item.body, now).await?;
                voided += 1;
            }
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
        let mut tx = self.tx().await?;
        let seq = publish_in(&mut tx, station, topic, body, now).await?;
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
        let facts = batch.issuance();
        if batch.all_allowed()
            && !events.iter().any(|e| matches!(e.kind, EventKind::Voided | EventKind::Reprinted))
            && let Some(done) = self.push_common(device, batch, now).await?
        {
            return Ok(done);
        }
        let mut tx = self.tx().await?;
        // Serialises this device's pushes (replays racing their original).
        let high = sqlx::query_scalar!("SELECT high_seq FROM devices WHERE id = $1 FOR UPDATE", device.id)
            .fetch_one(&mut *tx)
            .await
            .map_err(err)?;
        let mut acks = Vec::with_capacity(events.len());
        if first <= high {
            let upto = last.min(high);
            let runs: Vec<DeviceRun> = sqlx::query_as!(
                DeviceRun,
                r#"SELECT first_seq, last_seq, first_device_seq AS "first_device_seq!" FROM feed_runs
                   WHERE origin_device = $1 AND first_device_seq <= $3 AND first_device_seq >=
                     (SELECT MAX(first_device_seq) FROM feed_runs WHERE origin_device = $1 AND first_device_seq <= $2)"#,
                device.id,
                first,
                upto
            )
            .fetch_all(&mut *tx)
            .await
            .map_err(err)?;
            let stored = fetch_items(&mut tx, &replay_ranges(&runs, first, upto)?).await?;
            if stored.len() as i64 != upto - first + 1 {
                return Err(DbError::Corrupt(format!(
                    "device {} is missing events below seq {high}",
                    device.id
                )));
            }
            let replayed = replay_bodies(device.id, batch, stored.len());
            acks.extend(replay_acks(events, &replayed, stored)?);
        }
        let done = acks.len();
        let fresh = &events[done..];
        let facts = &facts[done..];
        let Some(f0) = fresh.first() else {
            tx.commit().await.map_err(err)?;
            return Ok(PushResponse { acks, high_seq: high });
        };
        if f0.seq != high + 1 {
            return Err(DbError::SeqGap { high, first: f0.seq });
        }

        // Entitlements first, in bulk; what did not insert takes the per-row
        // path. The common push's plain insert is not tried again here: a
        // push that comes this way has a replay, a void or (usually) a key
        // that exists, which `ON CONFLICT DO NOTHING` skips.
        let issued = IssuedColumns::new(fresh, facts);
        let mut all_inserted = true;
        let mut rows: HashMap<String, (String, Uuid, String)> = HashMap::new();
        if !issued.keys.is_empty() {
            let inserted = sqlx::query!(
                "INSERT INTO entitlements (entitlement_key, voucher_id, device_id, flight_id, value_minor, currency, state) \
                 SELECT k, v, $3, fl, val, c, 'issued' \
                 FROM UNNEST($1::text[], $2::text[], $4::text[], $5::bigint[], $6::text[]) AS u(k, v, fl, val, c) \
                 ON CONFLICT DO NOTHING",
                &issued.keys as &[&str],
                &issued.vouchers as &[&str],
                device.id,
                &issued.flights as &[&str],
                &issued.values,
                &issued.currencies as &[&str]
            )
            .execute(&mut *tx)
            .await
            .map_err(err)?
            .rows_affected();
            // Usually every issuance inserted. If not, some key was issued
            // before or twice in this batch: the rows are read once, and
            // each issuance not placed now is decided on its own.
            all_inserted = inserted == issued.keys.len() as u64;
            if !all_inserted {
                let found = sqlx::query!(
                    "SELECT entitlement_key, voucher_id, device_id, state FROM entitlements \
                     WHERE entitlement_key = ANY($1::text[])",
                    &issued.keys as &[&str]
                )
                .fetch_all(&mut *tx)
                .await
                .map_err(err)?;
                rows.extend(
                    found.into_iter().map(|r| (r.entitlement_key, (r.voucher_id, r.device_id, r.state))),
                );
            }
        }

        let mut pending: Vec<PendingFeed> = Vec::new();
        let mut outcomes = Vec::with_capacity(fresh.len());
        let mut seen: HashSet<&str> = HashSet::new();
        for (i, (e, f)) in fresh.iter().zip(facts).enumerate() {
            let outcome = match (e.kind, f) {
                // Refused for the device's role: no effect, except that a
                // voucher it printed anyway goes on the void list.
                _ if let Some(r) = batch.refusals()[done + i].clone() => {
                    if e.kind == EventKind::Issued
                        && let Some(voucher) = e.payload.get("voucher_id").and_then(|v| v.as_str())
                        && let Some(key) = e.payload.get("entitlement_key").and_then(|v| v.as_str())
                        && voucher_unknown(&mut tx, device.id, key, voucher).await?
                    {
                        let by = VoidBy { device: Some(device.id), actor: "central" };
                        pending.extend(add_void(&mut tx, voucher, &refused_void_reason(&r), by, now).await?);
                    }
                    r
                }
                (EventKind::Issued, Some(_)) if all_inserted => Outcome::Applied,
                (EventKind::Issued, Some(f)) => {
                    let placed_now = rows.get(f.entitlement_key).is_some_and(|(voucher, dev, state)| {
                        voucher == f.voucher_id && *dev == device.id && state == "issued"
                    });
                    if seen.insert(f.entitlement_key) && placed_now {
                        Outcome::Applied
                    } else {
                        apply_issue(&mut tx, device, e, now, &mut pending).await?
                    }
                }
                (EventKind::Voided | EventKind::Reprinted, Some(f))
                    if !may_void(&mut tx, f.entitlement_key, f.voucher_id, device).await? =>
                {
                    void_not_yours(device.role)
                }
                (EventKind::Voided, Some(f)) => {
                    sqlx::query!(
                        "UPDATE entitlements SET state = 'voided' WHERE entitlement_key = $1 AND voucher_id = $2",
                        f.entitlement_key,
                        f.voucher_id
                    )
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                    let reason = &gatecare_server_database::void_reason(&e.payload);
                    let actor = e.payload.get("actor").and_then(|a| a.as_str()).unwrap_or("");
                    let by = VoidBy { device: Some(device.id), actor };
                    pending.extend(add_void(&mut tx, f.voucher_id, reason, by, now).await?);
                    Outcome::Applied
                }
                _ => Outcome::Applied,
            };
            outcomes.push(outcome);
        }

        // The items are stored under a block of their own before the
        // counter row is locked: from that lock to commit other pushes
        // wait, and all that is left by then is numbering the runs.
        // A device event's body is its payload (migration 0006); what
        // central publishes keeps its whole body.
        let published: Vec<String> = pending.iter().map(|p| p.body.to_string()).collect();
        let stored_texts = batch.stored_payload_texts();
        let bodies: Vec<&str> = stored_texts[done..]
            .iter()
            .map(|t| t.as_ref())
            .chain(published.iter().map(String::as_str))
            .collect();
        let mut kinds: Vec<Option<&str>> = fresh.iter().map(|e| Some(e.kind.as_str())).collect();
        let mut outcome_texts: Vec<Option<String>> = outcomes.iter().map(outcome_text).collect::<Res<_>>()?;
        let mut event_ids: Vec<Option<Uuid>> = fresh.iter().map(|e| Some(e.event_id)).collect();
        let mut ats: Vec<Option<String>> = fresh.iter().map(|e| Some(event_time_text(e.at))).collect();
        for _ in &pending {
            kinds.push(None);
            outcome_texts.push(None);
            event_ids.push(None);
            ats.push(None);
        }
        // Applied everywhere, as usual: the block stores no outcomes.
        let outcomes_stored = outcome_texts.iter().any(Option::is_some).then_some(outcome_texts);
        // The device's new high_seq goes in the same statement.
        let block = sqlx::query_scalar!(
            r#"WITH n AS (SELECT nextval('feed_blocks') AS block),
               d AS (UPDATE devices SET high_seq = $4, last_seen_at = $5 WHERE id = $6),
               i AS (INSERT INTO feed_item_blocks (block, events, items, kinds, outcomes, bodies, event_ids, ats)
                     SELECT n.block, $9::int, cardinality($3::text[]), $1::text[], $2::text[]::jsonb[],
                       $3::text[]::json[], $7::uuid[], $8::text[]
                     FROM n),
               cs AS (INSERT INTO feed_case_items (block, idx, kind, case_id, body)
                      SELECT n.block, (u.n - 1)::int, u.k, u.b::json ->> 'case_id', u.b::json
                      FROM n, UNNEST($1::text[], $3::text[]) WITH ORDINALITY AS u(k, b, n)
                      WHERE $1::text[] && ARRAY['case_opened', 'case_updated'] AND u.k IN ('case_opened', 'case_updated')
                        -- A refused event had no effect: central keeps no case of it.
                        AND ($2::text[] IS NULL OR ($2::text[])[u.n::int] IS NULL))
               SELECT block AS "block!" FROM n"#,
            &kinds as &[Option<&str>],
            outcomes_stored.as_deref() as Option<&[Option<String>]>,
            &bodies as &[&str],
            last,
            now,
            device.id,
            &event_ids as &[Option<Uuid>],
            &ats as &[Option<String>],
            fresh.len() as i32
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(err)?;
        let last_event = fresh.len() as i64 - 1;
        let mut runs = vec![NewRun {
            first: 0,
            last: last_event,
            block,
            first_idx: 0,
            station: &device.station,
            topic: Topic::Event,
            origin: Some(device.id),
            first_device_seq: Some(f0.seq),
        }];
        for (i, p) in pending.iter().enumerate() {
            let seq = last_event + 1 + i as i64;
            runs.push(NewRun {
                first: seq,
                last: seq,
                block,
                first_idx: (fresh.len() + i) as i32,
                station: &p.station,
                topic: p.topic,
                origin: None,
                first_device_seq: None,
            });
        }
        let base = number_runs(&mut tx, &runs, now).await?;
        tx.commit().await.map_err(err)?;
        for (i, (e, outcome)) in fresh.iter().zip(outcomes).enumerate() {
            acks.push(EventAck { seq: e.seq, event_id: e.event_id, server_seq: base + i as i64, outcome });
        }
        Ok(PushResponse { acks, high_seq: last })
    }

    async fn pull(&self, device: &DeviceRecord, after: i64, limit: u32) -> Res<PullResponse> {
        let limit = i64::from(limit.clamp(1, gatecare_sync::MAX_PAGE));
        let mut conn = self.pool.acquire().await.map_err(err)?;
        // The first `limit` runs of the station and of all stations, each
        // in index order.
        let rows = sqlx::query!(
            r#"(SELECT first_seq, last_seq, topic, origin_device, at FROM feed_runs
                WHERE station = $1 AND last_seq > $2 ORDER BY last_seq LIMIT $3)
               UNION ALL
               (SELECT first_seq, last_seq, topic, origin_device, at FROM feed_runs
                WHERE station = '*' AND last_seq > $2 ORDER BY last_seq LIMIT $3)"#,
            device.station,
            after,
            limit
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(err)?;
        let mut runs = Vec::with_capacity(rows.len());
        for r in rows {
            let (Some(first_seq), Some(last_seq), Some(topic), Some(at)) =
                (r.first_seq, r.last_seq, r.topic, r.at)
            else {
                return Err(DbError::Corrupt("a feed run without its numbers".into()));
            };
            runs.push(FeedRun {
                first_seq,
                last_seq,
                topic: Topic::parse(&topic).ok_or_else(|| DbError::Corrupt(format!("topic {topic:?}")))?,
                origin_device: r.origin_device,
                at,
            });
        }
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
        let mut tx = self.tx().await?;
        let mut answers = Vec::with_capacity(reqs.len());
        for req in reqs {
            answers.push(claim_in(&mut tx, device, req, now, hold_until).await?);
        }
        tx.commit().await.map_err(err)?;
        Ok(answers)
    }

    async fn live_claims(&self, device: Uuid, now: DateTime<Utc>) -> Res<i64> {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM entitlements WHERE device_id = $1 AND state = 'claimed' AND claimed_until > $2",
        )
        .bind(device)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(err)
    }

    async fn release_claim(&self, device: &DeviceRecord, req: &ClaimRequest) -> Res<bool> {
        let n = sqlx::query(
            "DELETE FROM entitlements WHERE entitlement_key = $1 AND device_id = $2 AND state = 'claimed'",
        )
        .bind(&req.entitlement_key)
        .bind(device.id)
        .execute(&self.pool)
        .await
        .map_err(err)?
        .rows_affected();
        Ok(n == 1)
    }

    async fn grant_lease(&self, l: &LeaseRecord) -> Res<i64> {
        let mut tx = self.tx().await?;
        sqlx::query!(
            "INSERT INTO leases (id, scope, key, device_id, expires_at, granted_by, granted_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            l.id,
            l.scope,
            l.key,
            l.device_id,
            l.expires_at,
            l.granted_by,
            l.granted_at
        )
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        let body = serde_json::json!({
            "id": l.id, "scope": l.scope, "key": l.key, "device": l.device_id, "expires_at": l.expires_at,
            "granted_by": l.granted_by, "granted_at": l.granted_at,
        });
        let seq = publish_in(&mut tx, &l.station, Topic::Lease, &body, l.granted_at).await?;
        tx.commit().await.map_err(err)?;
        Ok(seq)
    }

    async fn upsert_agent(&self, a: &AgentRecord, now: DateTime<Utc>) -> Res<i64> {
        let mut tx = self.tx().await?;
        sqlx::query!(
            "INSERT INTO agents (code, name, role, station, pin_hash, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, role = excluded.role, station = excluded.station, \
             pin_hash = excluded.pin_hash, updated_at = excluded.updated_at",
            a.code,
            a.name,
            a.role,
            a.station,
            a.pin_hash,
            now
        )
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        let seq = publish_in(&mut tx, &a.station, Topic::Agent, &a.feed_body(), now).await?;
        tx.commit().await.map_err(err)?;
        Ok(seq)
    }

    async fn station_agent_records(&self, station: &str) -> Res<Vec<AgentRecord>> {
        let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
            "SELECT code, name, role, station, pin_hash FROM agents WHERE station = $1 ORDER BY code",
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
        sqlx::query_scalar(
            "SELECT r.station FROM feed_case_items i \
             JOIN feed_runs r ON r.block = i.block AND i.idx BETWEEN r.first_idx AND r.first_idx + (r.last_seq - r.first_seq) \
             WHERE i.kind = 'case_opened' AND i.case_id = $1 AND NOT EXISTS (SELECT 1 FROM feed_item_blocks b \
               WHERE b.block = i.block AND b.outcomes[i.idx + 1] ->> 'result' = 'refused') \
             ORDER BY r.first_seq LIMIT 1",
        )
        .bind(case_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)
    }

    async fn station_agents(&self, station: &str) -> Res<Vec<(String, String)>> {
        sqlx::query_as("SELECT code, role FROM agents WHERE station = $1 ORDER BY code")
            .bind(station)
            .fetch_all(&self.pool)
            .await
            .map_err(err)
    }

    async fn void_list(&self) -> Res<Vec<VoidRecord>> {
        Ok(sqlx::query!(
            "SELECT voucher_id, voided_at, reason, voided_by_device, voided_by FROM voids ORDER BY voided_at, voucher_id"
        )
            .fetch_all(&self.pool)
            .await
            .map_err(err)?
            .into_iter()
            .map(|r| VoidRecord {
                voucher_id: r.voucher_id,
                voided_at: r.voided_at,
                reason: r.reason,
                voided_by_device: r.voided_by_device,
                voided_by: r.voided_by,
            })
            .collect())
    }

    async fn record_station_flights(&self, station: &str, flights: &[StationFlight]) -> Res<()> {
        let ids: Vec<&str> = flights.iter().map(|f| f.id.as_str()).collect();
        let prefixes: Vec<&str> = flights.iter().map(|f| f.key_prefix.as_str()).collect();
        sqlx::query(
            "INSERT INTO station_flights (flight_id, station, key_prefix) \
             SELECT f, $2, k FROM UNNEST($1::text[], $3::text[]) AS u(f, k) \
             ON CONFLICT (flight_id) DO UPDATE SET station = excluded.station, key_prefix = excluded.key_prefix",
        )
        .bind(&ids)
        .bind(station)
        .bind(&prefixes)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
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
        // A key's flight is another station's only when this station did not
        // publish it too (a flight number with a leg from each station). Once
        // central published this station's flights, a flight it never
        // published is no flight of the station's either.
        sqlx::query_scalar(
            "SELECT flight_id FROM station_flights WHERE flight_id = ANY($1::text[]) AND station <> $2 \
             UNION \
             SELECT f FROM UNNEST($1::text[]) f WHERE EXISTS (SELECT 1 FROM station_flights WHERE station = $2) \
               AND NOT EXISTS (SELECT 1 FROM station_flights s WHERE s.flight_id = f) \
             UNION \
             SELECT s.key_prefix FROM station_flights s WHERE s.key_prefix = ANY($3::text[]) AND s.station <> $2 \
               AND NOT EXISTS (SELECT 1 FROM station_flights o WHERE o.key_prefix = s.key_prefix AND o.station = $2)",
        )
        .bind(flight_ids)
        .bind(station)
        .bind(key_prefixes)
        .fetch_all(&self.pool)
        .await
        .map_err(err)
    }

    async fn void_of(&self, voucher_id: &str) -> Res<Option<VoidRecord>> {
        Ok(sqlx::query!(
            "SELECT voucher_id, voided_at, reason, voided_by_device, voided_by FROM voids WHERE voucher_id = $1",
            voucher_id
        )
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?
            .map(|r| VoidRecord {
                voucher_id: r.voucher_id,
                voided_at: r.voided_at,
                reason: r.reason,
                voided_by_device: r.voided_by_device,
                voided_by: r.voided_by,
            }))
    }

    async fn record_revocation(&self, r: &RevocationRecord) -> Res<()> {
        let kept = &r.kept;
        sqlx::query(
            "INSERT INTO revocations (device_id, effective_at, kept) VALUES ($1, $2, $3) \
             ON CONFLICT (device_id) DO UPDATE SET effective_at = excluded.effective_at, kept = excluded.kept",
        )
        .bind(r.device_id)
        .bind(r.effective_at)
        .bind(kept)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn revocations(&self) -> Res<Vec<RevocationRecord>> {
        let rows: Vec<(Uuid, DateTime<Utc>, serde_json::Value)> =
            sqlx::query_as("SELECT device_id, effective_at, kept FROM revocations ORDER BY device_id")
                .fetch_all(&self.pool)
                .await
                .map_err(err)?;
        Ok(rows
            .into_iter()
            .map(|(device_id, effective_at, kept)| RevocationRecord { device_id, effective_at, kept })
            .collect())
    }

    async fn revocation_of(&self, device: Uuid) -> Res<Option<RevocationRecord>> {
        let row: Option<(Uuid, DateTime<Utc>, serde_json::Value)> =
            sqlx::query_as("SELECT device_id, effective_at, kept FROM revocations WHERE device_id = $1")
                .bind(device)
                .fetch_optional(&self.pool)
                .await
                .map_err(err)?;
        Ok(row.map(|(device_id, effective_at, kept)| RevocationRecord { device_id, effective_at, kept }))
    }

    async fn conflicts(&self, station: &str) -> Res<Vec<ConflictReport>> {
        Ok(sqlx::query!(
            "SELECT entitlement_key, flight_id, passenger_id, winner_voucher_id, winner_device, loser_voucher_id, \
             loser_device, detected_at FROM conflicts WHERE station = $1 ORDER BY id",
            station
        )
        .fetch_all(&self.pool)
        .await
        .map_err(err)?
        .into_iter()
        .map(|r| ConflictReport {
            entitlement_key: r.entitlement_key,
            flight_id: r.flight_id,
            passenger_id: r.passenger_id,
            winner_voucher_id: r.winner_voucher_id,
            winner_device: r.winner_device,
            loser_voucher_id: r.loser_voucher_id,
            loser_device: r.loser_device,
            detected_at: r.detected_at,
            advice: gatecare_sync::CONFLICT_ADVICE.into(),
        })
        .collect())
    }

    async fn redeem(
        &self,
        device: &DeviceRecord,
        redemption_id: Uuid,
        voucher: &RedeemedVoucher,
        now: DateTime<Utc>,
    ) -> Res<RedeemOutcome> {
        let voucher_id = voucher.voucher_id.as_str();
        let mut tx = self.tx().await?;
        for _ in 0..2 {
            if let Some(r) = sqlx::query_as!(
                Redemption,
                "SELECT redemption_id, voucher_id, device_id, redeemed_at FROM redemptions WHERE redemption_id = $1",
                redemption_id
            )
            .fetch_optional(&mut *tx)
            .await
            .map_err(err)?
            {
                return Ok(RedeemOutcome::Redeemed(r));
            }
            if let Some(r) = sqlx::query_as!(
                Redemption,
                "SELECT redemption_id, voucher_id, device_id, redeemed_at FROM redemptions WHERE voucher_id = $1",
                voucher_id
            )
            .fetch_optional(&mut *tx)
            .await
            .map_err(err)?
            {
                return Ok(RedeemOutcome::AlreadyRedeemed(r));
            }
            let n = sqlx::query!(
                "INSERT INTO redemptions (redemption_id, voucher_id, device_id, redeemed_at, kind, value_minor, currency, \
                 flight, flight_date, serial, offline) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 ON CONFLICT DO NOTHING",
                redemption_id,
                voucher_id,
                device.id,
                now,
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
            .map_err(err)?
            .rows_affected();
            if n == 0 {
                continue;
            }
            let body = serde_json::json!({"kind": "redeemed", "voucher_id": voucher_id, "device": device.id,
                                           "redemption_id": redemption_id, "at": now});
            publish_in(&mut tx, "*", Topic::Event, &body, now).await?;
            tx.commit().await.map_err(err)?;
            return Ok(RedeemOutcome::Redeemed(Redemption {
                redemption_id,
                voucher_id: voucher_id.to_owned(),
                device_id: device.id,
                redeemed_at: now,
            }));
        }
        Err(DbError::Backend(format!("voucher {voucher_id} kept changing under the redemption")))
    }

    async fn record_redemption_conflict(
        &self,
        first: &Redemption,
        second: &DeviceRecord,
        redemption_id: Uuid,
        accepted_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Res<()> {
        sqlx::query!(
            "INSERT INTO redemption_conflicts (redemption_id, voucher_id, device_id, accepted_at, first_redemption_id, \
             recorded_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            redemption_id,
            first.voucher_id,
            second.id,
            accepted_at,
            first.redemption_id,
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
        sqlx::query_as!(
            RedemptionConflict,
            r#"SELECT c.voucher_id, r.serial, c.first_redemption_id, d1.name AS first_merchant, r.redeemed_at AS first_at,
                      c.redemption_id, d2.name AS merchant, c.accepted_at, c.recorded_at
               FROM redemption_conflicts c
               JOIN redemptions r ON r.redemption_id = c.first_redemption_id
               JOIN devices d1 ON d1.id = r.device_id
               JOIN devices d2 ON d2.id = c.device_id
               WHERE c.accepted_at >= $1 AND c.accepted_at < $2
                 AND ($3::uuid IS NULL OR c.device_id = $3 OR r.device_id = $3)
               ORDER BY c.accepted_at"#,
            from,
            to,
            device
        )
        .fetch_all(&self.pool)
        .await
        .map_err(err)
    }

    async fn offline_limit(&self, device: Uuid) -> Res<u32> {
        let limit =
            sqlx::query_scalar!("SELECT offline_limit FROM merchant_limits WHERE device_id = $1", device)
                .fetch_optional(&self.pool)
                .await
                .map_err(err)?;
        Ok(limit.map_or(0, |l| u32::try_from(l).unwrap_or(0)))
    }

    async fn set_offline_limit(&self, device: Uuid, limit: u32) -> Res<()> {
        let limit = i32::try_from(limit).unwrap_or(i32::MAX);
        sqlx::query!(
            "INSERT INTO merchant_limits (device_id, offline_limit) VALUES ($1, $2) \
             ON CONFLICT (device_id) DO UPDATE SET offline_limit = excluded.offline_limit",
            device,
            limit
        )
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn merchant_outlet(&self, device: Uuid) -> Res<MerchantOutlet> {
        let row = sqlx::query!(
            "SELECT accepts, place_en, place_zh FROM merchant_outlets WHERE device_id = $1",
            device
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        match row {
            None => Ok(MerchantOutlet::default()),
            Some(r) => MerchantOutlet::from_stored(r.accepts.as_deref(), r.place_en, r.place_zh),
        }
    }

    async fn set_merchant_outlet(&self, device: Uuid, outlet: &MerchantOutlet) -> Res<()> {
        sqlx::query!(
            "INSERT INTO merchant_outlets (device_id, accepts, place_en, place_zh) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (device_id) DO UPDATE SET accepts = excluded.accepts, place_en = excluded.place_en, \
             place_zh = excluded.place_zh",
            device,
            outlet.accepts_text(),
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
             WHERE devices.station = $1 AND devices.role = 'merchant' AND devices.revoked_at IS NULL \
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
        sqlx::query_scalar!(
            "SELECT first_redemption_id FROM redemption_conflicts WHERE redemption_id = $1",
            redemption_id
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(err)
    }

    async fn admin_token(&self, token_hash: &str) -> Res<Option<String>> {
        sqlx::query_scalar!("SELECT name FROM admin_tokens WHERE token_hash = $1", token_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)
    }

    async fn add_admin_token(&self, token_hash: &str, name: &str, now: DateTime<Utc>) -> Res<()> {
        sqlx::query!(
            "INSERT INTO admin_tokens (token_hash, name, created_at) VALUES ($1, $2, $3)",
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
        // Keys are FLIGHT/DATE/…: the prefix's range in byte order, '0' being the byte after '/'.
        let (low, high) = (format!("{flight}/{flight_date}/"), format!("{flight}/{flight_date}0"));
        sqlx::query_as!(
            ValueCount,
            r#"SELECT state, currency, COUNT(*) AS "count!", SUM(value_minor)::BIGINT AS "value_minor!"
               FROM entitlements WHERE entitlement_key COLLATE "C" >= $1 AND entitlement_key COLLATE "C" < $2
                 AND state IN ('issued', 'voided')
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
            "SELECT DISTINCT split_part(entitlement_key, '/', 1) AS flight, split_part(entitlement_key, '/', 2) AS flight_date \
             FROM entitlements WHERE state IN ('issued', 'voided') \
               AND split_part(entitlement_key, '/', 2) BETWEEN $1 AND $2 ORDER BY flight_date, flight",
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
                 r.value_minor, r.currency, r.flight, r.flight_date, r.serial, r.offline FROM redemptions r \
                 JOIN devices d ON d.id = r.device_id WHERE r.flight = $1 AND r.flight_date = $2 ORDER BY r.redeemed_at",
                flight,
                flight_date
            )
            .fetch_all(&self.pool)
            .await
            .map_err(err)?,
            RedemptionsOf::Between { from, to } => sqlx::query_as!(
                ReportRow,
                "SELECT d.name AS merchant, d.station, r.redemption_id, r.voucher_id, r.redeemed_at, r.kind, \
                 r.value_minor, r.currency, r.flight, r.flight_date, r.serial, r.offline FROM redemptions r \
                 JOIN devices d ON d.id = r.device_id WHERE r.redeemed_at >= $1 AND r.redeemed_at < $2 \
                 ORDER BY r.redeemed_at",
                from,
                to
            )
            .fetch_all(&self.pool)
            .await
            .map_err(err)?,
        };
        Ok(rows
            .into_iter()
            .map(|r| ReportedRedemption {
                merchant: r.merchant,
                station: r.station,
                line: RedemptionLine {
                    redemption_id: r.redemption_id,
                    voucher_id: r.voucher_id,
                    redeemed_at: r.redeemed_at,
                    kind: r.kind,
                    value_minor: r.value_minor,
                    currency: r.currency,
                    flight: r.flight,
                    flight_date: r.flight_date,
                    serial: r.serial,
                    offline: r.offline,
                },
            })
            .collect())
    }

    async fn redemptions_by(
        &self,
        device: Uuid,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Res<Vec<RedemptionLine>> {
        sqlx::query_as!(
            RedemptionLine,
            "SELECT redemption_id, voucher_id, redeemed_at, kind, value_minor, currency, flight, flight_date, serial, \
             offline \
             FROM redemptions WHERE device_id = $1 AND redeemed_at >= $2 AND redeemed_at < $3 ORDER BY redeemed_at",
            device,
            from,
            to
        )
        .fetch_all(&self.pool)
        .await
        .map_err(err)
    }

    async fn redemption_of_voucher(&self, voucher_id: &str) -> Res<Option<Redemption>> {
        sqlx::query_as!(
            Redemption,
            "SELECT redemption_id, voucher_id, device_id, redeemed_at FROM redemptions WHERE voucher_id = $1",
            voucher_id
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(err)
    }

    async fn offline_acceptances_since(&self, device: Uuid, since: DateTime<Utc>) -> Res<u32> {
        let n = sqlx::query_scalar!(
            r#"SELECT (SELECT COUNT(*) FROM redemptions WHERE device_id = $1 AND offline AND redeemed_at >= $2)
                    + (SELECT COUNT(*) FROM redemption_conflicts WHERE device_id = $1 AND accepted_at >= $2) AS "n!""#,
            device,
            since
        )
        .fetch_one(&self.pool)
        .await
        .map_err(err)?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    async fn redemption(&self, redemption_id: Uuid) -> Res<Option<Redemption>> {
        sqlx::query_as!(
            Redemption,
            "SELECT redemption_id, voucher_id, device_id, redeemed_at FROM redemptions WHERE redemption_id = $1",
            redemption_id
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(err)
    }

    async fn case_events(&self) -> Res<Vec<CaseEventRecord>> {
        let rows = sqlx::query!(
            r#"SELECT r.station, i.kind, i.body AS "payload!: serde_json::Value" FROM feed_case_items i
               JOIN feed_runs r ON r.block = i.block AND i.idx BETWEEN r.first_idx AND r.first_idx + (r.last_seq - r.first_seq)
               -- Events central refused had no effect (earlier releases stored their payloads).
               WHERE NOT EXISTS (SELECT 1 FROM feed_item_blocks b
                 WHERE b.block = i.block AND b.outcomes[i.idx + 1] ->> 'result' = 'refused')
               ORDER BY r.first_seq + (i.idx - r.first_idx)"#
        )
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        Ok(rows
            .into_iter()
            .map(|r| CaseEventRecord { station: r.station, kind: r.kind, payload: r.payload })
            .collect())
    }

    async fn issued_event(&self, voucher_id: &str) -> Res<Option<serde_json::Value>> {
        // A full scan: an auditor's question, asked rarely, never on a hot path.
        sqlx::query_scalar(
            "SELECT i.body::jsonb FROM feed_item_blocks b \
             CROSS JOIN LATERAL UNNEST(b.kinds, b.bodies) WITH ORDINALITY AS i(kind, body, n) WHERE i.kind = 'issued' \
             AND (b.outcomes[i.n] ->> 'result') IS DISTINCT FROM 'refused' \
             AND (i.body ->> 'voucher_id' = lower($1) OR i.body ->> 'serial' = upper($1)) ORDER BY b.block, i.n LIMIT 1",
        )
        .bind(voucher_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)
    }

    async fn decision_policy(&self, hash: &str) -> Res<Option<String>> {
        sqlx::query_scalar(
            "SELECT i.body ->> 'policy_toml' FROM feed_item_blocks b \
             CROSS JOIN LATERAL UNNEST(b.kinds, b.bodies) WITH ORDINALITY AS i(kind, body, n) WHERE i.kind = 'issued' \
             AND (b.outcomes[i.n] ->> 'result') IS DISTINCT FROM 'refused' \
             AND i.body -> 'decision' ->> 'policy' = $1 AND i.body ->> 'policy_toml' IS NOT NULL \
             ORDER BY b.block, i.n LIMIT 1",
        )
        .bind(hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)
    }

    async fn totals(&self) -> Res<Totals> {
        let r = sqlx::query!(
            r#"SELECT
                (SELECT COUNT(*) FROM devices) AS "devices!",
                (SELECT COALESCE(SUM(events), 0)::bigint FROM feed_item_blocks) AS "events!",
                (SELECT COALESCE(SUM(items), 0)::bigint FROM feed_item_blocks) AS "feed_items!",
                (SELECT COUNT(*) FROM entitlements WHERE state <> 'claimed') AS "issued!",
                (SELECT COUNT(*) FROM conflicts) AS "conflicts!",
                (SELECT COUNT(*) FROM voids) AS "voids!",
                (SELECT COUNT(*) FROM redemptions) AS "redemptions!",
                (SELECT COALESCE(SUM(value_minor), 0)::bigint FROM entitlements WHERE state <> 'claimed') AS "value!""#
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

/// Whether any device holds or held `kid`.
async fn kid_taken_in(tx: &mut sqlx::Transaction<'_, sqlx::Postgres>, kid: &str) -> Res<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM devices WHERE signing_kid = $1) + (SELECT COUNT(*) FROM retired_keys WHERE kid = $1)",
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
    device_id: Uuid,
    station: String,
    revoked: bool,
    public_key: String,
    not_before: DateTime<Utc>,
    not_after: DateTime<Utc>,
    certificate: String,
}

impl RetiredRow {
    fn into_key(self) -> RetiredKey {
        RetiredKey {
            device_id: self.device_id,
            station: self.station,
            revoked: self.revoked,
            signing: SigningKeyRecord {
                kid: self.kid,
                public_key: self.public_key,
                not_before: self.not_before,
                not_after: self.not_after,
                certificate: self.certificate,
            },
        }
    }
}

/// One claim of [`Database::claims`], in the caller's transaction.
async fn claim_in(
    tx: &mut Tx,
    device: &DeviceRecord,
    req: &ClaimRequest,
    now: DateTime<Utc>,
    hold_until: DateTime<Utc>,
) -> Res<ClaimResponse> {
    let leased_to: Option<Uuid> = sqlx::query_scalar(
        "SELECT device_id FROM leases WHERE ((scope = 'flight' AND key = $1) OR (scope = 'entitlement' AND key = $2)) \
         AND expires_at > $3 AND device_id <> $4 LIMIT 1",
    )
    .bind(&req.flight_id)
    .bind(&req.entitlement_key)
    .bind(now)
    .bind(device.id)
    .fetch_optional(&mut **tx)
    .await
    .map_err(err)?;
    if leased_to.is_some() {
        // Held by the lease: a claim's answer says no more than "elsewhere"
        // (the station's devices learn leases from the feed).
        return Ok(ClaimResponse::Refused { reason: "held_elsewhere".into() });
    }
    // One statement: a new claim, this device's claim again (its hold
    // renewed), or another device's lapsed claim taken over. Anything
    // else (issued, voided, a live claim elsewhere) is left alone.
    let n = sqlx::query(
        "INSERT INTO entitlements (entitlement_key, voucher_id, device_id, flight_id, value_minor, currency, state, \
         claimed_until) VALUES ($1, $2, $3, $4, 0, '', 'claimed', $5) \
         ON CONFLICT (entitlement_key) DO UPDATE SET voucher_id = excluded.voucher_id, device_id = excluded.device_id, \
           claimed_until = excluded.claimed_until \
         WHERE entitlements.state = 'claimed' \
           AND (entitlements.device_id = $3 OR entitlements.claimed_until IS NULL OR entitlements.claimed_until <= $6)",
    )
    .bind(&req.entitlement_key)
    .bind(&req.voucher_id)
    .bind(device.id)
    .bind(&req.flight_id)
    .bind(hold_until)
    .bind(now)
    .execute(&mut **tx)
    .await
    .map_err(err)?
    .rows_affected();
    let answer = if n == 1 {
        ClaimResponse::Granted
    } else {
        // Issued here already (a retry after the issue): granted again.
        let mine: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM entitlements WHERE entitlement_key = $1 AND device_id = $2 AND state = 'issued')",
        )
        .bind(&req.entitlement_key)
        .bind(device.id)
        .fetch_one(&mut **tx)
        .await
        .map_err(err)?;
        if mine { ClaimResponse::Granted } else { ClaimResponse::Refused { reason: "held_elsewhere".into() } }
    };
    Ok(answer)
}
