//! Station data central distributes (the issue's §4): flights, manifests,
//! loyalty profiles, hotel blocks and the airline policy. The airline's
//! systems export one JSON document per station (`StationData`); central
//! checks it ([`StationData::check`]) and publishes it to the station's feed
//! in pieces ([`StationData::feed_items`]); each kiosk applies them.
//!
//! ```json
//! {
//!   "station": "HKG",
//!   "flights": [{ "id": "0194…", "carrier": "CZ", "number": "342", "origin": "HKG",
//!                 "destination": "KMG", "scheduled_departure": "2026-11-22T05:30:00Z",
//!                 "scheduled_arrival": "2026-11-22T08:10:00Z", "gate": "23", "aircraft": "A321",
//!                 "cabins": [{ "cabin": "economy", "seats": 170, "booked": 168 }] }],
//!   "bookings": [{ "flight_id": "0194…", "passenger_id": "0194…", "surname": "WANG",
//!                  "given_names": "LI", "native_name": "王丽", "birth_year": 1980,
//!                  "nationality": "CN", "needs": ["wheelchair"], "pnr": "ABC123",
//!                  "ticket_number": "7841234567890", "cabin": "economy", "booking_class": "Y",
//!                  "seat": "32A", "check_in_sequence": 12, "group": null,
//!                  "boarding_pass": "M1WANG/LI …" }],
//!   "loyalty": [{ "passenger_id": "0194…", "ff_airline": "CZ", "ff_number": "CZ1234567",
//!                 "tier": "gold", "miles": 120000, "complaints_filed": 0,
//!                 "service_sensitivity": 1, "flights_last_12_months": 30,
//!                 "weekday_share_pct": 70, "channel": "direct", "occupation": "engineer",
//!                 "staff_notes": [] }],
//!   "hotel_blocks": [{ "id": "0194…", "name": "Regal Airport Hotel", "name_zh": "富豪机场酒店",
//!                      "address": "…", "stars": 4, "rooms_total": 60, "rooms_left": 60,
//!                      "rate": { "amount_minor": 98000, "currency": "HKD" },
//!                      "transport": "shuttle every 20 min",
//!                      "valid_from": "…Z", "valid_until": "…Z" }],
//!   "policy": "…the airline policy TOML…",
//!   "lounges": [{ "id": "0194…", "name": "The Wing", "operator": "CX", "location": "Gate 1",
//!                 "opens": "05:30", "closes": "00:30" }],
//!   "star_bands": [{ "stars": 6, "min_score": 90 }, …],
//!   "disruptions": [{ "id": "0194…", "flight_id": "0194…", "kind": "cancellation",
//!                     "cause": "41", "expected_departure": "…Z", "expected_arrival": "…Z",
//!                     "reroute_flight": "LH797", "recorded_at": "…Z", "recorded_by": "OPS" }]
//! }
//! ```
//! A disruption is each flight's current state as the operations system
//! publishes it (a delay with its expected times, or a cancellation with its
//! re-routing, or none yet); it reaches every device as a `flight_update`.
//! Every field is checked; one bad record refuses the whole document with
//! its path, and nothing is published.

use chrono::{DateTime, Utc};
use gatecare_core::{AirportCode, Cabin, CarrierCode, Currency, FlightNumber, LoyaltyTier, Pnr, SpecialNeed};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Topic;

/// Bookings per manifest feed item, and loyalty profiles per item: a page
/// of the feed stays a few megabytes at most.
pub const BOOKINGS_PER_ITEM: usize = 100;
pub const PROFILES_PER_ITEM: usize = 200;
/// Largest station-data document central accepts (bytes of JSON).
pub const MAX_STATION_DATA_BYTES: usize = 200 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StationData {
    pub station: String,
    #[serde(default)]
    pub flights: Vec<FlightData>,
    #[serde(default)]
    pub bookings: Vec<BookingData>,
    #[serde(default)]
    pub loyalty: Vec<LoyaltyData>,
    #[serde(default)]
    pub hotel_blocks: Vec<HotelBlockData>,
    /// The airline policy as TOML (checked by the kiosk against its schema
    /// before use).
    #[serde(default)]
    pub policy: Option<String>,
    #[serde(default)]
    pub lounges: Vec<LoungeData>,
    #[serde(default)]
    pub star_bands: Vec<StarBandData>,
    #[serde(default)]
    pub disruptions: Vec<DisruptionData>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoungeData {
    pub id: Uuid,
    pub name: String,
    /// The carrier (or operator) running it.
    pub operator: String,
    pub location: String,
    /// Local opening hours, `HH:MM`.
    pub opens: String,
    pub closes: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StarBandData {
    pub stars: u8,
    pub min_score: u8,
}

/// A flight's disruption as the operations system publishes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisruptionData {
    pub id: Uuid,
    pub flight_id: Uuid,
    /// `delay` or `cancellation`.
    pub kind: String,
    /// A cause category or an IATA delay code.
    pub cause: String,
    /// A delay's expected times; a cancellation's re-routing (absent: not yet known).
    #[serde(default)]
    pub expected_departure: Option<DateTime<Utc>>,
    #[serde(default)]
    pub expected_arrival: Option<DateTime<Utc>>,
    #[serde(default)]
    pub reroute_flight: Option<String>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlightData {
    pub id: Uuid,
    pub carrier: String,
    pub number: String,
    pub origin: String,
    pub destination: String,
    pub scheduled_departure: DateTime<Utc>,
    pub scheduled_arrival: DateTime<Utc>,
    pub gate: Option<String>,
    pub aircraft: Option<String>,
    #[serde(default)]
    pub cabins: Vec<CabinData>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CabinData {
    pub cabin: String,
    pub seats: u32,
    pub booked: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupData {
    pub id: Uuid,
    pub name: String,
    pub leader: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookingData {
    pub flight_id: Uuid,
    pub passenger_id: Uuid,
    pub surname: String,
    pub given_names: String,
    pub native_name: Option<String>,
    pub birth_year: Option<i32>,
    pub nationality: Option<String>,
    #[serde(default)]
    pub lives_in_departure_city: bool,
    #[serde(default)]
    pub needs: Vec<String>,
    pub pnr: String,
    pub ticket_number: String,
    pub cabin: String,
    pub booking_class: String,
    pub seat: Option<String>,
    pub check_in_sequence: Option<u32>,
    pub group: Option<GroupData>,
    pub boarding_pass: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoyaltyData {
    pub passenger_id: Uuid,
    pub ff_airline: Option<String>,
    pub ff_number: Option<String>,
    pub tier: String,
    pub miles: i64,
    pub complaints_filed: u8,
    pub service_sensitivity: u8,
    pub flights_last_12_months: u16,
    pub weekday_share_pct: u8,
    pub channel: String,
    pub occupation: String,
    #[serde(default)]
    pub staff_notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HotelBlockData {
    pub id: Uuid,
    pub name: String,
    pub name_zh: Option<String>,
    pub address: String,
    pub stars: u8,
    pub rooms_total: u32,
    pub rooms_left: u32,
    pub rate: gatecare_core::Money,
    pub transport: String,
    pub valid_from: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct StationDataError {
    /// Where in the document: `bookings[12].pnr`.
    pub path: String,
    pub reason: String,
}

fn bad(path: String, reason: impl Into<String>) -> StationDataError {
    StationDataError { path, reason: reason.into() }
}

/// Text a person typed somewhere upstream: bounded, no control characters.
fn text(path: impl Fn() -> String, s: &str, max: usize, required: bool) -> Result<(), StationDataError> {
    if required && s.trim().is_empty() {
        return Err(bad(path(), "cannot be empty"));
    }
    if s.chars().count() > max {
        return Err(bad(path(), format!("at most {max} characters")));
    }
    if s.chars().any(char::is_control) {
        return Err(bad(path(), "contains control characters"));
    }
    Ok(())
}

impl StationData {
    /// Checks every record; the first problem is reported with its path.
    pub fn check(&self) -> Result<(), StationDataError> {
        let station = AirportCode::parse(&self.station).map_err(|e| bad("station".into(), e.to_string()))?;
        let mut flights = std::collections::HashSet::new();
        for (i, f) in self.flights.iter().enumerate() {
            let p = |field: &str| format!("flights[{i}].{field}");
            CarrierCode::parse(&f.carrier).map_err(|e| bad(p("carrier"), e.to_string()))?;
            FlightNumber::parse(&f.number).map_err(|e| bad(p("number"), e.to_string()))?;
            let origin = AirportCode::parse(&f.origin).map_err(|e| bad(p("origin"), e.to_string()))?;
            AirportCode::parse(&f.destination).map_err(|e| bad(p("destination"), e.to_string()))?;
            if origin != station {
                return Err(bad(p("origin"), format!("not a departure from {station}")));
            }
            if f.scheduled_arrival <= f.scheduled_departure {
                return Err(bad(p("scheduled_arrival"), "must follow the departure"));
            }
            text(|| p("gate"), f.gate.as_deref().unwrap_or_default(), 8, false)?;
            text(|| p("aircraft"), f.aircraft.as_deref().unwrap_or_default(), 16, false)?;
            for (j, c) in f.cabins.iter().enumerate() {
                Cabin::parse(&c.cabin)
                    .map_err(|e| bad(format!("flights[{i}].cabins[{j}].cabin"), e.to_string()))?;
                if c.seats > 1000 || c.booked > 1000 {
                    return Err(bad(format!("flights[{i}].cabins[{j}]"), "at most 1000 seats"));
                }
            }
            if !flights.insert(f.id) {
                return Err(bad(p("id"), "appears twice"));
            }
        }
        for (i, b) in self.bookings.iter().enumerate() {
            let p = |field: &str| format!("bookings[{i}].{field}");
            text(|| p("surname"), &b.surname, 64, true)?;
            text(|| p("given_names"), &b.given_names, 64, false)?;
            text(|| p("native_name"), b.native_name.as_deref().unwrap_or_default(), 32, false)?;
            Pnr::parse(&b.pnr).map_err(|e| bad(p("pnr"), e.to_string()))?;
            Cabin::parse(&b.cabin).map_err(|e| bad(p("cabin"), e.to_string()))?;
            if b.ticket_number.len() != 13 || !b.ticket_number.bytes().all(|c| c.is_ascii_digit()) {
                return Err(bad(p("ticket_number"), "13 digits"));
            }
            if b.booking_class.len() != 1 || !b.booking_class.bytes().all(|c| c.is_ascii_uppercase()) {
                return Err(bad(p("booking_class"), "one capital letter"));
            }
            for n in &b.needs {
                SpecialNeed::parse(n).map_err(|e| bad(p("needs"), e.to_string()))?;
            }
            if let Some(y) = b.birth_year
                && !(1900..=2100).contains(&y)
            {
                return Err(bad(p("birth_year"), "1900-2100"));
            }
            text(|| p("seat"), b.seat.as_deref().unwrap_or_default(), 4, false)?;
            text(|| p("nationality"), b.nationality.as_deref().unwrap_or_default(), 3, false)?;
            text(|| p("boarding_pass"), b.boarding_pass.as_deref().unwrap_or_default(), 600, false)?;
            if let Some(g) = &b.group {
                text(|| p("group.name"), &g.name, 80, true)?;
            }
            // A booking on a flight the document does not carry must be on
            // one the kiosks already know; they skip it otherwise.
        }
        for (i, l) in self.loyalty.iter().enumerate() {
            let p = |field: &str| format!("loyalty[{i}].{field}");
            LoyaltyTier::parse(&l.tier).map_err(|e| bad(p("tier"), e.to_string()))?;
            text(|| p("ff_number"), l.ff_number.as_deref().unwrap_or_default(), 20, false)?;
            text(|| p("ff_airline"), l.ff_airline.as_deref().unwrap_or_default(), 3, false)?;
            if l.miles < 0 {
                return Err(bad(p("miles"), "cannot be negative"));
            }
            if l.service_sensitivity > 3 || l.weekday_share_pct > 100 {
                return Err(bad(p("service_sensitivity"), "sensitivity 0-3, weekday share 0-100"));
            }
            if !matches!(l.channel.as_str(), "direct" | "agent" | "online_travel_site") {
                return Err(bad(p("channel"), "direct, agent or online_travel_site"));
            }
            text(|| p("occupation"), &l.occupation, 32, true)?;
            if l.staff_notes.len() > 20 {
                return Err(bad(p("staff_notes"), "at most 20 notes"));
            }
            for n in &l.staff_notes {
                text(|| p("staff_notes"), n, 64, true)?;
            }
        }
        for (i, h) in self.hotel_blocks.iter().enumerate() {
            let p = |field: &str| format!("hotel_blocks[{i}].{field}");
            text(|| p("name"), &h.name, 120, true)?;
            text(|| p("name_zh"), h.name_zh.as_deref().unwrap_or_default(), 60, false)?;
            text(|| p("address"), &h.address, 200, true)?;
            text(|| p("transport"), &h.transport, 200, false)?;
            if !(1..=5).contains(&h.stars) {
                return Err(bad(p("stars"), "1-5"));
            }
            if h.rooms_left > h.rooms_total || h.rooms_total > 5000 {
                return Err(bad(p("rooms_left"), "rooms left ≤ rooms total ≤ 5000"));
            }
            if h.rate.amount_minor < 0 {
                return Err(bad(p("rate"), "cannot be negative"));
            }
            Currency::parse(h.rate.currency.as_str()).map_err(|e| bad(p("rate"), e.to_string()))?;
            if h.valid_until <= h.valid_from {
                return Err(bad(p("valid_until"), "must follow valid_from"));
            }
        }
        if let Some(policy) = &self.policy
            && policy.len() > 256 * 1024
        {
            return Err(bad("policy".into(), "at most 256 KiB"));
        }
        for (i, l) in self.lounges.iter().enumerate() {
            let p = |field: &str| format!("lounges[{i}].{field}");
            text(|| p("name"), &l.name, 80, true)?;
            text(|| p("operator"), &l.operator, 16, true)?;
            text(|| p("location"), &l.location, 80, false)?;
            for (field, t) in [("opens", &l.opens), ("closes", &l.closes)] {
                chrono::NaiveTime::parse_from_str(t, "%H:%M").map_err(|_| bad(p(field), "HH:MM"))?;
            }
        }
        let mut last_stars = None;
        for (i, b) in self.star_bands.iter().enumerate() {
            if !(1..=6).contains(&b.stars) || b.min_score > 100 {
                return Err(bad(format!("star_bands[{i}]"), "stars 1-6, min_score 0-100"));
            }
            if last_stars.is_some_and(|s| s <= b.stars) {
                return Err(bad(format!("star_bands[{i}]"), "most stars first, each once"));
            }
            last_stars = Some(b.stars);
        }
        for (i, d) in self.disruptions.iter().enumerate() {
            let p = |field: &str| format!("disruptions[{i}].{field}");
            if !matches!(d.kind.as_str(), "delay" | "cancellation") {
                return Err(bad(p("kind"), "delay or cancellation"));
            }
            text(|| p("cause"), &d.cause, 32, true)?;
            text(|| p("recorded_by"), &d.recorded_by, 32, true)?;
            if d.kind == "delay" && d.expected_departure.is_none() {
                return Err(bad(p("expected_departure"), "a delay has an expected departure"));
            }
            if let (Some(dep), Some(arr)) = (d.expected_departure, d.expected_arrival)
                && arr <= dep
            {
                return Err(bad(p("expected_arrival"), "must follow the departure"));
            }
            if let Some(f) = &d.reroute_flight {
                gatecare_core::FlightDesignator::parse(f)
                    .map_err(|e| bad(p("reroute_flight"), e.to_string()))?;
            }
        }
        Ok(())
    }

    /// The feed items that carry this document: each flight, its bookings in
    /// chunks, loyalty profiles in chunks, each hotel block, the policy. In
    /// that order, so a kiosk knows a flight before its bookings and a
    /// passenger before their profile.
    pub fn feed_items(&self) -> Vec<(Topic, serde_json::Value)> {
        let mut out = Vec::new();
        for f in &self.flights {
            out.push((Topic::Flight, serde_json::to_value(f).unwrap_or_default()));
        }
        for chunk in self.bookings.chunks(BOOKINGS_PER_ITEM) {
            out.push((Topic::Manifest, serde_json::json!({ "bookings": chunk })));
        }
        for chunk in self.loyalty.chunks(PROFILES_PER_ITEM) {
            out.push((Topic::Loyalty, serde_json::json!({ "profiles": chunk })));
        }
        for h in &self.hotel_blocks {
            out.push((Topic::HotelBlock, serde_json::to_value(h).unwrap_or_default()));
        }
        if let Some(p) = &self.policy {
            out.push((Topic::Policy, serde_json::json!({ "toml": p })));
        }
        for l in &self.lounges {
            out.push((Topic::Lounge, serde_json::to_value(l).unwrap_or_default()));
        }
        if !self.star_bands.is_empty() {
            out.push((Topic::StarBands, serde_json::json!({ "bands": self.star_bands })));
        }
        for d in &self.disruptions {
            out.push((Topic::FlightUpdate, serde_json::to_value(d).unwrap_or_default()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> StationData {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        StationData {
            station: "HKG".into(),
            flights: vec![FlightData {
                id: Uuid::from_u128(1),
                carrier: "CZ".into(),
                number: "999".into(),
                origin: "HKG".into(),
                destination: "PEK".into(),
                scheduled_departure: t("2026-11-22T10:00:00Z"),
                scheduled_arrival: t("2026-11-22T13:00:00Z"),
                gate: Some("12".into()),
                aircraft: Some("A320".into()),
                cabins: vec![CabinData { cabin: "economy".into(), seats: 150, booked: 1 }],
            }],
            bookings: (0..250)
                .map(|i| BookingData {
                    flight_id: Uuid::from_u128(1),
                    passenger_id: Uuid::from_u128(100 + i),
                    surname: "WANG".into(),
                    given_names: "LI".into(),
                    native_name: Some("王丽".into()),
                    birth_year: Some(1980),
                    nationality: Some("CN".into()),
                    lives_in_departure_city: false,
                    needs: vec![],
                    pnr: "ABC123".into(),
                    ticket_number: "7841234567890".into(),
                    cabin: "economy".into(),
                    booking_class: "Y".into(),
                    seat: Some("32A".into()),
                    check_in_sequence: Some(1),
                    group: None,
                    boarding_pass: None,
                })
                .collect(),
            loyalty: vec![],
            hotel_blocks: vec![],
            policy: Some("[recovery]".into()),
            lounges: vec![LoungeData {
                id: Uuid::from_u128(2),
                name: "The Wing".into(),
                operator: "CX".into(),
                location: "Gate 1".into(),
                opens: "05:30".into(),
                closes: "00:30".into(),
            }],
            star_bands: vec![
                StarBandData { stars: 6, min_score: 85 },
                StarBandData { stars: 1, min_score: 0 },
            ],
            disruptions: vec![DisruptionData {
                id: Uuid::from_u128(3),
                flight_id: Uuid::from_u128(1),
                kind: "cancellation".into(),
                cause: "41".into(),
                expected_departure: Some(t("2026-11-23T10:00:00Z")),
                expected_arrival: Some(t("2026-11-23T13:00:00Z")),
                reroute_flight: Some("CZ 3999".into()),
                recorded_at: t("2026-11-22T08:00:00Z"),
                recorded_by: "OPS".into(),
            }],
        }
    }

    #[test]
    fn a_good_document_passes_and_travels_in_pieces() {
        let d = sample();
        d.check().unwrap();
        let topics: Vec<Topic> = d.feed_items().into_iter().map(|(t, _)| t).collect();
        assert_eq!(
            topics,
            [
                Topic::Flight,
                Topic::Manifest,
                Topic::Manifest,
                Topic::Manifest,
                Topic::Policy,
                Topic::Lounge,
                Topic::StarBands,
                Topic::FlightUpdate
            ]
        );
        let v: serde_json::Value = serde_json::to_value(&d).unwrap();
        assert_eq!(serde_json::from_value::<StationData>(v).unwrap(), d);
    }

    #[test]
    fn every_bad_record_is_named_by_its_path() {
        type Breakage = Box<dyn Fn(&mut StationData)>;
        let cases: Vec<(Breakage, &str)> = vec![
            (Box::new(|d| d.station = "HK".into()), "station"),
            (Box::new(|d| d.flights[0].origin = "PVG".into()), "flights[0].origin"),
            (
                Box::new(|d| d.flights[0].scheduled_arrival = d.flights[0].scheduled_departure),
                "flights[0].scheduled_arrival",
            ),
            (Box::new(|d| d.flights.push(d.flights[0].clone())), "flights[1].id"),
            (Box::new(|d| d.bookings[7].pnr = "A".into()), "bookings[7].pnr"),
            (Box::new(|d| d.bookings[3].surname = "x".repeat(65)), "bookings[3].surname"),
            (Box::new(|d| d.bookings[3].surname = "BAD\u{0}".into()), "bookings[3].surname"),
            (Box::new(|d| d.bookings[0].ticket_number = "12".into()), "bookings[0].ticket_number"),
            (Box::new(|d| d.bookings[0].needs = vec!["jetpack".into()]), "bookings[0].needs"),
            (Box::new(|d| d.lounges[0].opens = "25:00".into()), "lounges[0].opens"),
            (Box::new(|d| d.star_bands.reverse()), "star_bands[1]"),
            (Box::new(|d| d.disruptions[0].kind = "gremlins".into()), "disruptions[0].kind"),
            (
                Box::new(|d| d.disruptions[0].reroute_flight = Some("??".into())),
                "disruptions[0].reroute_flight",
            ),
            (Box::new(|d| d.disruptions[0].recorded_by = String::new()), "disruptions[0].recorded_by"),
        ];
        for (break_it, path) in cases {
            let mut d = sample();
            break_it(&mut d);
            assert_eq!(d.check().unwrap_err().path, path);
        }
        let mut v = serde_json::to_value(sample()).unwrap();
        v["flights"][0]["extra"] = serde_json::json!(1);
        assert!(serde_json::from_value::<StationData>(v).is_err(), "unknown fields are refused");
    }
}
