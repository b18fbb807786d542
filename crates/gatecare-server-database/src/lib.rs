//! Central's storage, behind one trait (atuin's pattern): the HTTP layer in
//! `gatecare-server` is generic over [`Database`]; `gatecare-server-sqlite`
//! (embedded, the default) and `gatecare-server-postgres` (production)
//! implement it with their own migrations.
//!
//! Each method is one transaction: a push either stores the whole batch with
//! its effects or nothing.

pub mod feed;

use std::future::Future;

use chrono::{DateTime, Utc};
use gatecare_ledger::EntitlementKind;
use gatecare_sync::{
    CheckedBatch, ClaimRequest, ClaimResponse, ConflictReport, DeviceRole, Event, PullResponse, PushResponse,
    Topic,
};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database: {0}")]
    Backend(String),
    #[error("the enrolment code is unknown, used or expired")]
    CodeInvalid,
    #[error("seq {seq} was already stored with different content (a cloned device?)")]
    SeqConflict { seq: i64 },
    #[error("events must follow seq {high}; the batch starts at {first}")]
    SeqGap { high: i64, first: i64 },
    #[error("the signing key id {0} is already enrolled")]
    KidTaken(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl DbError {
    pub fn backend(e: impl std::fmt::Display) -> DbError {
        DbError::Backend(e.to_string())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEnrolmentCode {
    pub code_hash: String,
    pub station: String,
    pub role: DeviceRole,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentCode {
    pub station: String,
    pub role: DeviceRole,
    pub expires_at: DateTime<Utc>,
}

/// A key a device signed with before its current one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetiredKey {
    pub device_id: Uuid,
    pub station: String,
    pub revoked: bool,
    pub signing: SigningKeyRecord,
}

/// A revocation with its effective time: the vouchers central had
/// received from the device by then stay valid until their own expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationRecord {
    pub device_id: Uuid,
    pub effective_at: DateTime<Utc>,
    /// The kept vouchers as the trust list carries them (JSON array of
    /// `gatecare_voucher::trust::KeptVoucher`).
    pub kept: serde_json::Value,
}

/// A device's voucher-signing key as certified by the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKeyRecord {
    pub kid: String,
    pub public_key: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub certificate: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDevice {
    pub id: Uuid,
    pub name: String,
    pub token_hash: String,
    pub signing: Option<SigningKeyRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRecord {
    pub id: Uuid,
    pub name: String,
    pub station: String,
    pub role: DeviceRole,
    pub signing: Option<SigningKeyRecord>,
    pub enrolled_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub high_seq: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoidRecord {
    pub voucher_id: String,
    pub voided_at: DateTime<Utc>,
    pub reason: String,
    /// The device that pushed the void; None when central voided it.
    pub voided_by_device: Option<Uuid>,
    /// The agent the void named, or `central`; None for voids stored before
    /// this was kept.
    pub voided_by: Option<String>,
}

/// Who voids a voucher, for the void list.
#[derive(Debug, Clone, Copy)]
pub struct VoidBy<'a> {
    pub device: Option<Uuid>,
    pub actor: &'a str,
}

impl VoidBy<'_> {
    /// Central itself: a double issuance's loser, a refused voucher.
    pub const CENTRAL: VoidBy<'static> = VoidBy { device: None, actor: "central" };
}

/// An issued voucher central refuses: the entitlement it took and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedVoucher {
    pub entitlement_key: String,
    pub voucher_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseRecord {
    pub id: Uuid,
    /// `flight` or `entitlement`.
    pub scope: String,
    pub key: String,
    pub device_id: Uuid,
    pub station: String,
    pub expires_at: DateTime<Utc>,
    pub granted_by: String,
    pub granted_at: DateTime<Utc>,
}

/// A flight central published for a station: its id and the flight part of
/// its passengers' entitlement keys (`CZ342/2026-11-22`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StationFlight {
    pub id: String,
    pub key_prefix: String,
}

/// A gate agent as central keeps and distributes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentRecord {
    pub code: String,
    pub name: String,
    /// `agent`, `supervisor` or `duty_manager`.
    pub role: String,
    pub station: String,
    /// argon2id PHC string; the PIN itself is never stored or sent.
    pub pin_hash: String,
}

impl AgentRecord {
    pub fn feed_body(&self) -> serde_json::Value {
        serde_json::json!({
            "code": self.code, "name": self.name, "role": self.role, "station": self.station, "pin_hash": self.pin_hash,
        })
    }
}

/// A redemption central accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redemption {
    pub redemption_id: Uuid,
    pub voucher_id: String,
    pub device_id: Uuid,
    pub redeemed_at: DateTime<Utc>,
}

/// What a merchant takes and where passengers find it (`admin merchant`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct MerchantOutlet {
    /// The kinds of voucher it redeems; None: every kind (as before this
    /// was kept).
    pub accepts: Option<Vec<EntitlementKind>>,
    /// Where it is, in English and in Chinese, for the passenger's page;
    /// a merchant without a place is not published.
    pub place_en: Option<String>,
    pub place_zh: Option<String>,
}

impl MerchantOutlet {
    /// `accepts` as both backends store it: `meal,transport`, None for every kind.
    pub fn accepts_text(&self) -> Option<String> {
        self.accepts.as_ref().map(|kinds| kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(","))
    }

    /// The stored text back; a kind this build does not know is an error,
    /// never dropped (dropping one would widen or narrow what it takes).
    pub fn from_stored(
        accepts: Option<&str>,
        place_en: Option<String>,
        place_zh: Option<String>,
    ) -> Result<MerchantOutlet, DbError> {
        let accepts = accepts
            .map(|text| {
                text.split(',')
                    .map(|k| {
                        EntitlementKind::parse(k)
                            .ok_or_else(|| DbError::Backend(format!("unknown voucher kind {k:?} stored")))
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        Ok(MerchantOutlet { accepts, place_en, place_zh })
    }

    /// Whether it redeems a voucher of `kind` (as the voucher's QR names it).
    pub fn takes(&self, kind: &str) -> bool {
        match &self.accepts {
            None => true,
            Some(kinds) => EntitlementKind::parse(kind).is_some_and(|k| kinds.contains(&k)),
        }
    }
}

/// A merchant as the passenger's page lists it: name, what it takes, where.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PublishedOutlet {
    pub name: String,
    #[serde(flatten)]
    pub outlet: MerchantOutlet,
}

/// What a redeemed voucher bought, from its verified payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedeemedVoucher {
    pub voucher_id: String,
    pub kind: String,
    pub value_minor: i64,
    pub currency: String,
    pub flight: String,
    pub flight_date: String,
    pub serial: String,
    /// Accepted by the till while it could not reach central; the
    /// redemption's time is then the till's.
    pub offline: bool,
}

/// A voucher redeemed twice: first at central (or sent first), then by a
/// merchant that had accepted it offline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedemptionConflict {
    pub voucher_id: String,
    /// The voucher's serial, as the first redemption kept it.
    pub serial: Option<String>,
    pub first_redemption_id: Uuid,
    pub first_merchant: String,
    pub first_at: DateTime<Utc>,
    pub redemption_id: Uuid,
    pub merchant: String,
    /// When the second merchant accepted it (its till's clock).
    pub accepted_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
}

/// Vouchers of one state and currency: how many, how much.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueCount {
    pub state: String,
    pub currency: String,
    pub count: i64,
    pub value_minor: i64,
}

/// A redemption with its merchant, for the airline's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedRedemption {
    pub merchant: String,
    pub station: String,
    pub line: RedemptionLine,
}

/// Which redemptions a report reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedemptionsOf<'a> {
    /// A flight's (designator and date, as its vouchers carry them).
    Flight { flight: &'a str, flight_date: &'a str },
    /// Redeemed in `[from, to)`.
    Between { from: DateTime<Utc>, to: DateTime<Utc> },
}

/// One redemption of a merchant's day; what it bought is None for
/// redemptions stored before central kept it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedemptionLine {
    pub redemption_id: Uuid,
    pub voucher_id: String,
    pub redeemed_at: DateTime<Utc>,
    pub kind: Option<String>,
    pub value_minor: Option<i64>,
    pub currency: Option<String>,
    pub flight: Option<String>,
    pub flight_date: Option<String>,
    pub serial: Option<String>,
    /// Accepted by the till offline and sent later.
    pub offline: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedeemOutcome {
    /// Stored now, or found stored under the same redemption id (a retry).
    Redeemed(Redemption),
    /// The voucher was redeemed before, under another redemption id.
    AlreadyRedeemed(Redemption),
}

/// Counts for metrics and for tests that compare central with a model.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub devices: i64,
    pub events: i64,
    pub feed_items: i64,
    pub entitlements_issued: i64,
    pub conflicts: i64,
    pub voids: i64,
    pub redemptions: i64,
    pub issued_value_minor: i64,
}

type Res<T> = Result<T, DbError>;

pub trait Database: Clone + Send + Sync + 'static {
    /// `sqlite` or `postgres`, for logs and metrics.
    fn backend_name(&self) -> &'static str;
    fn ping(&self) -> impl Future<Output = Res<()>> + Send;

    fn add_enrolment_code(&self, code: &NewEnrolmentCode) -> impl Future<Output = Res<()>> + Send;
    /// An unused, unexpired code.
    fn enrolment_code(
        &self,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Res<Option<EnrolmentCode>>> + Send;
    /// Uses the code and stores the device, atomically.
    fn enrol(
        &self,
        code_hash: &str,
        device: &NewDevice,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Res<DeviceRecord>> + Send;
    fn device_by_token(&self, token_hash: &str) -> impl Future<Output = Res<Option<DeviceRecord>>> + Send;
    fn devices(&self) -> impl Future<Output = Res<Vec<DeviceRecord>>> + Send;
    /// One device, revoked or not (a redemption names its merchant so).
    fn device_by_id(&self, id: Uuid) -> impl Future<Output = Res<Option<DeviceRecord>>> + Send;
    /// The device whose voucher-signing key has this id, revoked or not.
    fn device_by_kid(&self, kid: &str) -> impl Future<Output = Res<Option<DeviceRecord>>> + Send;
    /// Replaces an active device's certificate (same key id and public key);
    /// returns false when no active device holds that key id.
    fn recertify_device(
        &self,
        id: Uuid,
        signing: &SigningKeyRecord,
    ) -> impl Future<Output = Res<bool>> + Send;
    /// Changes an active kiosk's or console's role (kiosk ↔ console);
    /// returns false when no such device exists. What it pushed before
    /// stays as it was decided.
    fn set_device_role(&self, id: Uuid, role: DeviceRole) -> impl Future<Output = Res<bool>> + Send;
    /// Consoles an upgrade found among kiosks, whose feed skipped the
    /// station's agents (see the migration `consoles_named_by_agents`).
    fn consoles_owed_agents(&self) -> impl Future<Output = Res<Vec<Uuid>>> + Send;
    /// Records that console `id` was sent the station's agents.
    fn agents_sent_to_console(&self, id: Uuid) -> impl Future<Output = Res<()>> + Send;
    /// Returns false when no such active device exists.
    fn revoke_device(&self, id: Uuid, now: DateTime<Utc>) -> impl Future<Output = Res<bool>> + Send;
    /// When central received device `device`'s event `seq` (None: it
    /// holds no such event).
    fn received_at(&self, device: Uuid, seq: i64) -> impl Future<Output = Res<Option<DateTime<Utc>>>> + Send;
    /// Voids, as central, issued vouchers it refuses anyway (a revoked
    /// key's, received after the revocation took effect): each entitlement
    /// is free for an agent's replacement and the void reaches every station.
    /// Returns how many were not voided before.
    fn void_refused(
        &self,
        vouchers: &[RefusedVoucher],
        reason: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Res<usize>> + Send;
    /// Of `bindings` (the last 12 hex digits of voucher ids, see
    /// `gatecare_sync::voucher_id`), those bound to a device other than
    /// `device`.
    fn bound_elsewhere(
        &self,
        device: Uuid,
        bindings: &[String],
    ) -> impl Future<Output = Res<Vec<String>>> + Send;
    /// Whether any device holds or held this public key (hex, lower case).
    fn public_key_taken(&self, public_key: &str) -> impl Future<Output = Res<bool>> + Send;
    /// Whether any device holds or held this key id.
    fn kid_taken(&self, kid: &str) -> impl Future<Output = Res<bool>> + Send;
    /// Makes `next` (certified) an active device's signing key; its current
    /// key is retired, still verifying until its certificate ends. False
    /// when no active device with a key exists; [`DbError::KidTaken`] when
    /// `next`'s id was ever used.
    fn rotate_key(
        &self,
        device: Uuid,
        next: &SigningKeyRecord,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Res<bool>> + Send;
    /// Every retired key, with its device's station and state.
    fn retired_keys(&self) -> impl Future<Output = Res<Vec<RetiredKey>>> + Send;
    fn retired_key(&self, kid: &str) -> impl Future<Output = Res<Option<RetiredKey>>> + Send;

    /// Appends a central-originated item to the feed; returns its server_seq.
    fn publish(
        &self,
        station: &str,
        topic: Topic,
        body: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Res<i64>> + Send;

    /// Stores a checked batch.
    fn push(
        &self,
        device: &DeviceRecord,
        batch: &CheckedBatch<'_>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Res<PushResponse>> + Send;
    fn pull(
        &self,
        device: &DeviceRecord,
        after: i64,
        limit: u32,
    ) -> impl Future<Output = Res<PullResponse>> + Send;

    /// Claims an entitlement for this device until `hold_until`. A lapsed
    /// claim of another device is taken over; a live one, an issuance or a
    /// lease elsewhere is refused without saying whose.
    fn claim(
        &self,
        device: &DeviceRecord,
        req: &ClaimRequest,
        now: DateTime<Utc>,
        hold_until: DateTime<Utc>,
    ) -> impl Future<Output = Res<ClaimResponse>> + Send {
        async move {
            let answers = self.claims(device, std::slice::from_ref(req), now, hold_until).await?;
            answers.into_iter().next().ok_or_else(|| DbError::Backend("a claim without an answer".into()))
        }
    }
    /// [`Database::claim`] for each of `reqs` (a console's bulk issuance),
    /// in one transaction, answered in their order.
    fn claims(
        &self,
        device: &DeviceRecord,
        reqs: &[ClaimRequest],
        now: DateTime<Utc>,
        hold_until: DateTime<Utc>,
    ) -> impl Future<Output = Res<Vec<ClaimResponse>>> + Send;
    /// How many claims `device` holds at `now` that it has not issued.
    fn live_claims(&self, device: Uuid, now: DateTime<Utc>) -> impl Future<Output = Res<i64>> + Send;
    /// Releases this device's claim (its issue failed); false when it held none.
    fn release_claim(
        &self,
        device: &DeviceRecord,
        req: &ClaimRequest,
    ) -> impl Future<Output = Res<bool>> + Send;
    fn grant_lease(&self, lease: &LeaseRecord) -> impl Future<Output = Res<i64>> + Send;
    /// Adds or updates an agent and publishes it to the station's feed.
    fn upsert_agent(&self, agent: &AgentRecord, now: DateTime<Utc>) -> impl Future<Output = Res<i64>> + Send;
    /// The station's agents' records, by code.
    fn station_agent_records(&self, station: &str) -> impl Future<Output = Res<Vec<AgentRecord>>> + Send;
    /// The station where a complaint case was opened (None: central has not seen it).
    fn case_station(&self, case_id: &str) -> impl Future<Output = Res<Option<String>>> + Send;
    /// The codes and roles of a station's agents (what voucher events may name).
    fn station_agents(&self, station: &str) -> impl Future<Output = Res<Vec<(String, String)>>> + Send;

    fn void_list(&self) -> impl Future<Output = Res<Vec<VoidRecord>>> + Send;
    /// Records the station of flights central publishes (station data).
    fn record_station_flights(
        &self,
        station: &str,
        flights: &[StationFlight],
    ) -> impl Future<Output = Res<()>> + Send;
    /// Of `flight_ids` and `key_prefixes` (an entitlement key's flight part,
    /// [`gatecare_sync::key_flight`]), those central published for another
    /// station than `station` only; and, once central published any flight
    /// of `station`, the flight ids it never published.
    fn foreign_flights(
        &self,
        station: &str,
        flight_ids: &[&str],
        key_prefixes: &[&str],
    ) -> impl Future<Output = Res<Vec<String>>> + Send;
    /// One voucher's entry on the void list, if it is there.
    fn void_of(&self, voucher_id: &str) -> impl Future<Output = Res<Option<VoidRecord>>> + Send;

    /// Records when a revoked device's revocation took effect and the
    /// vouchers central had received from it by then (they stay valid).
    fn record_revocation(&self, revocation: &RevocationRecord) -> impl Future<Output = Res<()>> + Send;
    /// Every recorded revocation.
    fn revocations(&self) -> impl Future<Output = Res<Vec<RevocationRecord>>> + Send;
    /// One device's recorded revocation.
    fn revocation_of(&self, device: Uuid) -> impl Future<Output = Res<Option<RevocationRecord>>> + Send;
    fn conflicts(&self, station: &str) -> impl Future<Output = Res<Vec<ConflictReport>>> + Send;

    /// The voucher must already have verified; this checks and records
    /// single use, with what the voucher bought.
    fn redeem(
        &self,
        device: &DeviceRecord,
        redemption_id: Uuid,
        voucher: &RedeemedVoucher,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Res<RedeemOutcome>> + Send;
    /// Keeps a second redemption of a voucher (`second` accepted it offline
    /// at `accepted_at`); a retry stores nothing more.
    fn record_redemption_conflict(
        &self,
        first: &Redemption,
        second: &DeviceRecord,
        redemption_id: Uuid,
        accepted_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Res<()>> + Send;
    /// Redemption conflicts a merchant is party to (either side), by the
    /// second acceptance's time in `[from, to)`; all merchants when `device`
    /// is None.
    fn redemption_conflicts(
        &self,
        device: Option<Uuid>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> impl Future<Output = Res<Vec<RedemptionConflict>>> + Send;
    /// How many vouchers a merchant may accept offline (0 when never set).
    fn offline_limit(&self, device: Uuid) -> impl Future<Output = Res<u32>> + Send;
    fn set_offline_limit(&self, device: Uuid, limit: u32) -> impl Future<Output = Res<()>> + Send;
    /// What a merchant takes and where it is (the default when never set).
    fn merchant_outlet(&self, device: Uuid) -> impl Future<Output = Res<MerchantOutlet>> + Send;
    fn set_merchant_outlet(
        &self,
        device: Uuid,
        outlet: &MerchantOutlet,
    ) -> impl Future<Output = Res<()>> + Send;
    /// The merchants of `station` that publish a place and are not revoked,
    /// by name.
    fn published_outlets(&self, station: &str) -> impl Future<Output = Res<Vec<PublishedOutlet>>> + Send;
    /// The redemption a stored redemption conflict came second to.
    fn conflict_first(&self, redemption_id: Uuid) -> impl Future<Output = Res<Option<Uuid>>> + Send;
    /// A report reader's name, for a token issued by `admin token`.
    fn admin_token(&self, token_hash: &str) -> impl Future<Output = Res<Option<String>>> + Send;
    fn add_admin_token(
        &self,
        token_hash: &str,
        name: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Res<()>> + Send;
    /// A flight's vouchers at central (issued and voided), by state and
    /// currency: the entitlements whose key starts `FLIGHT/DATE/`.
    fn flight_vouchers(
        &self,
        flight: &str,
        flight_date: &str,
    ) -> impl Future<Output = Res<Vec<ValueCount>>> + Send;
    /// The flights (designator, date) central holds vouchers for whose
    /// date is in `from..=to`, in order: a report's flights of those days.
    fn voucher_flights(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> impl Future<Output = Res<Vec<(String, String)>>> + Send;
    /// Redemptions with their merchants, oldest first.
    fn reported_redemptions(
        &self,
        of: RedemptionsOf<'_>,
    ) -> impl Future<Output = Res<Vec<ReportedRedemption>>> + Send;
    /// A merchant's redemptions in `[from, to)`, oldest first.
    fn redemptions_by(
        &self,
        device: Uuid,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> impl Future<Output = Res<Vec<RedemptionLine>>> + Send;
    /// The redemption of a voucher, if it was redeemed.
    fn redemption_of_voucher(&self, voucher_id: &str)
    -> impl Future<Output = Res<Option<Redemption>>> + Send;
    /// How many vouchers a merchant accepted offline from `since` on (those
    /// redeemed and those kept as conflicts).
    fn offline_acceptances_since(
        &self,
        device: Uuid,
        since: DateTime<Utc>,
    ) -> impl Future<Output = Res<u32>> + Send;
    /// A redemption stored under this id, if any (retries answer from it).
    fn redemption(&self, redemption_id: Uuid) -> impl Future<Output = Res<Option<Redemption>>> + Send;

    fn totals(&self) -> impl Future<Output = Res<Totals>> + Send;

    /// Every service-recovery event (`case_opened`, `case_updated`) with
    /// the station of the device that logged it, in server order.
    fn case_events(&self) -> impl Future<Output = Res<Vec<CaseEventRecord>>> + Send;

    /// The payload of a voucher's `issued` event (by its id or the serial
    /// printed on it) as the device pushed it
    /// (with `decision`: what decided it), the first if several were pushed.
    fn issued_event(&self, voucher_id: &str) -> impl Future<Output = Res<Option<serde_json::Value>>> + Send;
    /// The text of a policy a decision names, as a device sent it with its
    /// first decision under it (checked against the hash on ingest).
    fn decision_policy(&self, hash: &str) -> impl Future<Output = Res<Option<String>>> + Send;
}

/// One service-recovery event as central stored it.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseEventRecord {
    pub station: String,
    pub kind: String,
    pub payload: serde_json::Value,
}

/// The `case_*` kinds, for the backends' queries.
pub const CASE_KINDS: [&str; 2] = ["case_opened", "case_updated"];

/// The feed body of a device's event, as other devices at the station see it.
pub fn event_feed_body(device: Uuid, e: &Event) -> serde_json::Value {
    serde_json::json!({
        "device": device, "seq": e.seq, "event_id": e.event_id, "kind": e.kind.as_str(),
        "at": e.at, "payload": e.payload,
    })
}

/// An event's time as its feed body carries it (RFC 3339, UTC, `Z`, as many
/// fraction digits as it has): stored as text so a replay matches exactly.
pub fn event_time_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// [`event_feed_body`] as JSON text, around the payload's text (see
/// `CheckedBatch::payload_texts`): SQLite stores one for every event;
/// PostgreSQL rebuilds it on read and makes one to check a replay.
pub fn event_feed_text(device: Uuid, e: &Event, payload_text: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(payload_text.len() + 192);
    // Writing into a String cannot fail.
    let _ = write!(
        out,
        r#"{{"at":"{}","device":"{device}","event_id":"{}","kind":"{}","payload":"#,
        event_time_text(e.at),
        e.event_id,
        e.kind.as_str(),
    );
    out.push_str(payload_text);
    let _ = write!(out, r#","seq":{}}}"#, e.seq);
    out
}

/// An `issued` event naming a voucher id another device holds: no effect
/// (it would otherwise rewrite, void or take over that device's voucher).
pub fn voucher_not_yours() -> gatecare_sync::Outcome {
    gatecare_sync::Outcome::Refused {
        code: "voucher_not_yours".into(),
        reason: "this voucher id is another device's".into(),
    }
}

/// A `voided` event for a voucher the pushing device may not void: a
/// kiosk voids only what it issued, a console what its own station issued.
/// No effect (a stolen kiosk token must not void the airline's vouchers).
pub fn void_not_yours(role: DeviceRole) -> gatecare_sync::Outcome {
    let reason = match role {
        DeviceRole::Console => "a console voids only its own station's vouchers",
        _ => "a device voids only the vouchers it issued",
    };
    gatecare_sync::Outcome::Refused { code: "void_not_yours".into(), reason: reason.into() }
}

/// Most characters of a void's reason the void list carries: it goes to
/// every station and merchant, so a device's 16 KiB payload stops here.
pub const MAX_VOID_REASON_CHARS: usize = 200;

/// The reason a `voided` event gives, as the void list carries it: trimmed
/// and bounded ([`MAX_VOID_REASON_CHARS`]); "voided" when it gives none.
pub fn void_reason(payload: &serde_json::Value) -> String {
    let said = payload.get("reason").and_then(|r| r.as_str()).map(str::trim).unwrap_or("");
    match said.char_indices().nth(MAX_VOID_REASON_CHARS) {
        _ if said.is_empty() => "voided".into(),
        Some((cut, _)) => format!("{}…", &said[..cut]),
        None => said.into(),
    }
}

#[cfg(test)]
mod void_reason_tests {
    #[test]
    fn a_void_reason_is_trimmed_and_bounded() {
        let of = |r: serde_json::Value| super::void_reason(&serde_json::json!({ "reason": r }));
        assert_eq!(of("  passenger rebooked ".into()), "passenger rebooked");
        assert_eq!(of("".into()), "voided");
        assert_eq!(super::void_reason(&serde_json::json!({})), "voided");
        assert_eq!(of(12.into()), "voided");
        let long = of("改".repeat(16_000).into());
        assert_eq!(long.chars().count(), super::MAX_VOID_REASON_CHARS + 1, "200 characters and an ellipsis");
        assert_eq!(of("x".repeat(200).into()), "x".repeat(200));
    }
}

/// The void list's reason for a voucher whose `issued` event was refused.
pub fn refused_void_reason(refusal: &gatecare_sync::Outcome) -> String {
    match refusal {
        gatecare_sync::Outcome::Refused { code, .. } => format!("refused: {code}"),
        _ => "refused".into(),
    }
}

/// What a backend does with an `issued` event, given the entitlement row it
/// found (voucher, device, state). Pure, so both backends decide alike. The
/// backend has checked before that the voucher id is not another device's
/// under another entitlement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueDecision {
    /// No row: insert one as issued.
    Insert,
    /// This device's own claim or a replayed issue: mark it issued with this voucher.
    Confirm,
    /// A replacement of the entitlement's voided voucher: the new voucher
    /// becomes the entitlement's, issued by this device.
    Replace,
    /// Another device's claim: a real issuance takes the entitlement (a
    /// claim only keeps other claims off; it never voids a printed voucher).
    TakeOver,
    /// The event names another device's voucher: refused, no effect.
    NotYours,
    /// Someone else issued (or voided) it first.
    Conflict { winner_voucher_id: String, winner_device: Uuid },
}

/// `existing.2` is the row's state, with a claim past its hold read as
/// `lapsed`. `replaces`: the voided voucher a replacement names. A replacement is
/// accepted only for the entitlement's current voucher, and only once it is
/// voided; anything else is a double issuance.
pub fn decide_issue(
    device: Uuid,
    voucher_id: &str,
    replaces: Option<&str>,
    existing: Option<(&str, Uuid, &str)>,
) -> IssueDecision {
    match existing {
        None => IssueDecision::Insert,
        Some((v, d, _)) if v == voucher_id && d == device => IssueDecision::Confirm,
        Some((v, _, _)) if v == voucher_id => IssueDecision::NotYours,
        Some((_, d, "claimed" | "lapsed")) if d == device => IssueDecision::Confirm,
        Some((_, _, "claimed" | "lapsed")) => IssueDecision::TakeOver,
        Some((v, _, "voided")) if replaces == Some(v) => IssueDecision::Replace,
        Some((v, d, _)) => IssueDecision::Conflict { winner_voucher_id: v.to_owned(), winner_device: d },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_feed_text_is_the_feed_body() {
        let e = Event {
            seq: 7,
            event_id: Uuid::now_v7(),
            kind: gatecare_sync::EventKind::Feedback,
            at: DateTime::from_timestamp(1_795_000_000, 123_000_000).unwrap(),
            payload: serde_json::json!({"score": 5, "note": "\"quoted\" 好"}),
        };
        let d = Uuid::now_v7();
        let text = event_feed_text(d, &e, &e.payload.to_string());
        assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap(), event_feed_body(d, &e));
    }

    #[test]
    fn the_first_issue_wins_and_own_claims_are_confirmed() {
        let a = Uuid::now_v7();
        let b = Uuid::now_v7();
        assert_eq!(decide_issue(a, "v1", None, None), IssueDecision::Insert);
        assert_eq!(decide_issue(a, "v1", None, Some(("v1", a, "issued"))), IssueDecision::Confirm);
        assert_eq!(decide_issue(a, "v2", None, Some(("v1", a, "claimed"))), IssueDecision::Confirm);
        // A claim never beats a real issuance, live or lapsed.
        assert_eq!(decide_issue(b, "v2", None, Some(("claim:a", a, "claimed"))), IssueDecision::TakeOver);
        assert_eq!(decide_issue(b, "v2", None, Some(("claim:a", a, "lapsed"))), IssueDecision::TakeOver);
        assert_eq!(
            decide_issue(a, "v2", None, Some(("v1", a, "issued"))),
            IssueDecision::Conflict { winner_voucher_id: "v1".into(), winner_device: a }
        );
        // Another device's own voucher, pushed back: refused, not confirmed.
        assert_eq!(decide_issue(b, "v1", None, Some(("v1", a, "issued"))), IssueDecision::NotYours);
    }

    #[test]
    fn a_replacement_takes_over_only_its_own_voided_voucher() {
        let a = Uuid::now_v7();
        let b = Uuid::now_v7();
        // Any device of the station may replace the voided voucher it names.
        assert_eq!(decide_issue(b, "v2", Some("v1"), Some(("v1", a, "voided"))), IssueDecision::Replace);
        // Not a live voucher, and not another voided one.
        assert_eq!(
            decide_issue(b, "v2", Some("v1"), Some(("v1", a, "issued"))),
            IssueDecision::Conflict { winner_voucher_id: "v1".into(), winner_device: a }
        );
        assert_eq!(
            decide_issue(b, "v3", Some("v0"), Some(("v1", a, "voided"))),
            IssueDecision::Conflict { winner_voucher_id: "v1".into(), winner_device: a }
        );
        // Without naming it, a voided entitlement is still a double issuance.
        assert_eq!(
            decide_issue(b, "v2", None, Some(("v1", a, "voided"))),
            IssueDecision::Conflict { winner_voucher_id: "v1".into(), winner_device: a }
        );
    }
}
