//! Request and response bodies of central's HTTP API (all JSON).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Event;

/// Every rejection carries a stable code; the message is for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    /// With `seq_conflict`: what central holds under the device's numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clash: Option<SeqClash>,
}

/// A push reused a number central holds with other content: two devices
/// push under one identity (a copied disk or token).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeqClash {
    /// The first number of the push that central holds otherwise.
    pub seq: i64,
    /// When central received what it holds under that number: the other
    /// device's events start there, so a revocation takes effect from it.
    pub held_since: Option<DateTime<Utc>>,
}

/// A device's role decides what it may call and push (see `roles.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceRole {
    /// A passenger's self-service kiosk: statutory care it issues itself,
    /// reprints and voids of its own vouchers, feedback, programme
    /// enrolments, complaints and calls for staff.
    Kiosk,
    /// A gate agent's console: everything an agent may do, each voucher
    /// event naming the agent.
    Console,
    /// Merchants and hotels: redeem vouchers only.
    Merchant,
}

impl DeviceRole {
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceRole::Kiosk => "kiosk",
            DeviceRole::Console => "console",
            DeviceRole::Merchant => "merchant",
        }
    }
    pub fn parse(s: &str) -> Option<DeviceRole> {
        match s {
            "kiosk" => Some(DeviceRole::Kiosk),
            "console" => Some(DeviceRole::Console),
            "merchant" => Some(DeviceRole::Merchant),
            _ => None,
        }
    }
    /// Kiosks and consoles sign vouchers, push and pull; merchants redeem.
    pub fn is_station_device(self) -> bool {
        matches!(self, DeviceRole::Kiosk | DeviceRole::Console)
    }
}

/// The airline's root key (`GET /v1/root`): a device pins it only when it
/// matches the fingerprint the administrator gave with the enrolment code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootKey {
    pub kid: String,
    /// Ed25519 public key, hex.
    pub public_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    /// The one-time code an administrator issued.
    pub code: String,
    pub name: String,
    /// The device's voucher-signing key: its id and Ed25519 public key
    /// (hex). Kiosks only; merchants send none.
    pub signing_kid: Option<String>,
    pub signing_public_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolResponse {
    pub device_id: Uuid,
    pub station: String,
    pub role: DeviceRole,
    /// Shown once; central keeps only its hash.
    pub token: String,
    /// The key id central certified the signing key under: the one asked
    /// for, or the next free one when a replaced device held it
    /// (`HKG-K01#1` → `HKG-K01#2`). Absent for merchants.
    #[serde(default)]
    pub signing_kid: Option<String>,
}

/// A device's next signing key (`POST /v1/devices/key`), sent well before
/// its certificate ends: its code, `#` and a higher number, and the
/// Ed25519 public key (hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotateKeyRequest {
    pub kid: String,
    pub public_key: String,
}

/// The new key's certificate window; the old key stays on the trust list
/// until its own ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotateKeyResponse {
    pub kid: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    pub events: Vec<Event>,
}

/// What central did with one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Outcome {
    Applied,
    /// Another device issued this entitlement first: this voucher is void.
    Conflict {
        winner_voucher_id: String,
        winner_device: Uuid,
    },
    /// The device may not push this: it had no effect. Its `seq` and the
    /// refusal are kept, so the log stays gapless and a replay gets the
    /// same answer.
    Refused {
        /// Stable: `void_not_yours`, …
        code: String,
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventAck {
    pub seq: i64,
    pub event_id: Uuid,
    pub server_seq: i64,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    pub acks: Vec<EventAck>,
    /// The highest seq central holds for this device.
    pub high_seq: i64,
}

/// What the feed carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// Another device's event (issuance, voids, redemptions) at this station.
    Event,
    /// A voucher that no longer verifies (voided, or lost a double issuance).
    Void,
    /// The whole current trust list.
    TrustList,
    /// A lease of a flight's (or one entitlement's) issuance to a device.
    Lease,
    /// A delay or cancellation update of a flight.
    FlightUpdate,
    /// A double issuance central detected, for the agents.
    Conflict,
    /// A gate agent (name, role, PIN hash) for the station's consoles.
    Agent,
    /// Station data (`station.rs`): a flight with its cabins.
    Flight,
    /// Station data: a chunk of a flight's bookings.
    Manifest,
    /// Station data: a chunk of loyalty profiles.
    Loyalty,
    /// Station data: a hotel block.
    HotelBlock,
    /// Station data: the airline policy (TOML).
    Policy,
    /// Station data: a lounge (elites may be sent there instead of a meal).
    Lounge,
    /// Station data: the score each star rating starts at.
    StarBands,
}

impl Topic {
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Event => "event",
            Topic::Void => "void",
            Topic::TrustList => "trust_list",
            Topic::Lease => "lease",
            Topic::FlightUpdate => "flight_update",
            Topic::Conflict => "conflict",
            Topic::Agent => "agent",
            Topic::Flight => "flight",
            Topic::Manifest => "manifest",
            Topic::Loyalty => "loyalty",
            Topic::HotelBlock => "hotel_block",
            Topic::Policy => "policy",
            Topic::Lounge => "lounge",
            Topic::StarBands => "star_bands",
        }
    }
    pub fn parse(s: &str) -> Option<Topic> {
        [
            Topic::Event,
            Topic::Void,
            Topic::TrustList,
            Topic::Lease,
            Topic::FlightUpdate,
            Topic::Conflict,
            Topic::Agent,
            Topic::Flight,
            Topic::Manifest,
            Topic::Loyalty,
            Topic::HotelBlock,
            Topic::Policy,
            Topic::Lounge,
            Topic::StarBands,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedItem {
    pub server_seq: i64,
    pub topic: Topic,
    pub at: DateTime<Utc>,
    pub body: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    pub items: Vec<FeedItem>,
    /// Pass as `after` for the next page.
    pub next_after: i64,
    pub more: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimRequest {
    pub entitlement_key: String,
    pub voucher_id: String,
    pub flight_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum ClaimResponse {
    /// This device may issue it (again: claims are idempotent), until the
    /// claim's hold ends; it releases the claim if its issue fails.
    Granted,
    /// `held_elsewhere` (issued, voided, claimed or leased by another
    /// device: nothing more about other devices), or `not_your_station`.
    Refused { reason: String },
}

/// A console's claims before a bulk issuance, at most
/// [`MAX_CLAIMS_PER_BATCH`](crate::MAX_CLAIMS_PER_BATCH) in one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimBatch {
    pub claims: Vec<ClaimRequest>,
}

/// Central's answers to a [`ClaimBatch`], one a claim, in its order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimAnswers {
    pub answers: Vec<ClaimResponse>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedeemRequest {
    /// The merchant's id for this redemption: a retry with the same id gets
    /// the same answer and redeems nothing twice.
    pub redemption_id: Uuid,
    /// The voucher's QR text (`GC1:…`).
    pub qr: String,
    /// When the merchant accepted it without reaching central (its till's
    /// clock), for a redemption sent once the till is online again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offline_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RedeemResponse {
    pub redeemed: bool,
    /// `ok`, or why not: a verification reason (`bad_signature`, `expired`,
    /// `voided`, `unknown_key` …) or `already_redeemed`.
    pub reason: String,
    pub voucher_id: Option<String>,
    pub redeemed_at: Option<DateTime<Utc>>,
    pub redemption_id: Uuid,
    /// Where it was redeemed before (`already_redeemed`): the merchant's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redeemed_by: Option<String>,
    /// An offline acceptance of a voucher redeemed elsewhere first: central
    /// keeps it as a redemption conflict.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub double_spend: bool,
}

/// A double issuance, as agents see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConflictReport {
    pub entitlement_key: String,
    pub flight_id: String,
    pub passenger_id: String,
    pub winner_voucher_id: String,
    pub winner_device: Uuid,
    pub loser_voucher_id: String,
    pub loser_device: Uuid,
    pub detected_at: DateTime<Utc>,
    /// What the agent should do, in plain words.
    pub advice: String,
}

/// The void reason central gives a revoked key's vouchers that it received
/// from the revocation's effective time on: no decision about the
/// passenger, so a console serves them again.
pub const KEY_REVOKED: &str = "key_revoked";

pub const CONFLICT_ADVICE: &str = "Two devices issued the same entitlement while offline. The later voucher is void and \
     will be refused by merchants; if the passenger holds it, reprint the valid one and take the void one back.";
