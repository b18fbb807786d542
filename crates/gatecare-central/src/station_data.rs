//! Importing a station's data (flights, bookings, profiles, hotels, lounges,
//! star bands, disruptions, policy) into its feed, and what an import changed.

use chrono::{DateTime, Utc};
use gatecare_server_database::{Database, DbError, StationFlight};
use gatecare_sync::{DeviceRole, Topic};
use uuid::Uuid;

/// What an import of station data published.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StationImport {
    pub station: String,
    pub flights: usize,
    pub bookings: usize,
    pub profiles: usize,
    pub hotel_blocks: usize,
    pub lounges: usize,
    pub star_bands: usize,
    pub disruptions: usize,
    pub policy: bool,
    pub feed_items: usize,
    pub first_server_seq: Option<i64>,
    pub last_server_seq: Option<i64>,
    /// What is new or different from what central last published for the
    /// station, so the airline sees what the import changed.
    pub changes: ImportChanges,
}

/// What an import changes: records new to the station, and records whose
/// fields differ from the last published (each change in words).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportChanges {
    pub flights_new: usize,
    pub bookings_new: usize,
    pub profiles_new: usize,
    /// "AC0008 (2f1c…): number 008 → 8", "booking P… on AC8: seat 12A → 14C".
    pub changed: Vec<String>,
}

/// How many changes an import lists by name; the rest are counted.
const CHANGES_LISTED: usize = 200;

/// Flights by id, bookings by (flight, passenger), profiles by passenger.
type Published = (
    std::collections::HashMap<Uuid, gatecare_sync::station::FlightData>,
    std::collections::HashMap<(Uuid, Uuid), gatecare_sync::station::BookingData>,
    std::collections::HashMap<Uuid, gatecare_sync::station::LoyaltyData>,
);

/// The flights, bookings and profiles central last published for `station`,
/// read back from its feed (an import is rare; the feed is the record).
async fn published<D: Database>(db: &D, station: &str, now: DateTime<Utc>) -> Result<Published, DbError> {
    use gatecare_sync::station::{BookingData, FlightData, LoyaltyData};
    // A reader of the station's feed that is no device (nil id: every item is "another's").
    let reader = gatecare_server_database::DeviceRecord {
        id: Uuid::nil(),
        name: "station-data import".into(),
        station: station.to_owned(),
        role: DeviceRole::Kiosk,
        signing: None,
        enrolled_at: now,
        revoked_at: None,
        high_seq: 0,
    };
    let mut flights: std::collections::HashMap<Uuid, FlightData> = Default::default();
    let mut bookings: std::collections::HashMap<(Uuid, Uuid), BookingData> = Default::default();
    let mut profiles: std::collections::HashMap<Uuid, LoyaltyData> = Default::default();
    let mut after = 0;
    loop {
        let page = db.pull(&reader, after, gatecare_sync::MAX_PAGE).await?;
        for item in &page.items {
            match item.topic {
                Topic::Flight => {
                    if let Ok(f) = serde_json::from_value::<FlightData>(item.body.clone()) {
                        flights.insert(f.id, f);
                    }
                }
                Topic::Manifest => {
                    let list = item.body.get("bookings").cloned().unwrap_or_default();
                    for b in serde_json::from_value::<Vec<BookingData>>(list).unwrap_or_default() {
                        bookings.insert((b.flight_id, b.passenger_id), b);
                    }
                }
                Topic::Loyalty => {
                    let list = item.body.get("profiles").cloned().unwrap_or_default();
                    for l in serde_json::from_value::<Vec<LoyaltyData>>(list).unwrap_or_default() {
                        profiles.insert(l.passenger_id, l);
                    }
                }
                _ => {}
            }
        }
        after = page.next_after;
        if !page.more {
            break;
        }
    }
    Ok((flights, bookings, profiles))
}

/// The fields of two records that differ, as "field old → new".
fn differences(old: &impl serde::Serialize, new: &impl serde::Serialize) -> Vec<String> {
    let (old, new) =
        (serde_json::to_value(old).unwrap_or_default(), serde_json::to_value(new).unwrap_or_default());
    let (Some(old), Some(new)) = (old.as_object(), new.as_object()) else { return Vec::new() };
    let show = |v: Option<&serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => "—".to_owned(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    };
    new.iter()
        .filter(|(k, v)| old.get(*k) != Some(*v))
        .map(|(k, v)| format!("{k} {} → {}", show(old.get(k)), show(Some(v))))
        .collect()
}

/// A flight as people name it, in its normal form (`AC8`).
/// The flight part of the entitlement keys of `f`'s passengers, as the
/// devices make them: designator and scheduled local date at the origin.
fn key_prefix(f: &gatecare_sync::station::FlightData) -> String {
    let local = f.scheduled_departure.with_timezone(&gatecare_reference::time_zone(&f.origin));
    format!("{}/{}", designator(f), local.format("%Y-%m-%d"))
}

fn designator(f: &gatecare_sync::station::FlightData) -> String {
    gatecare_core::FlightDesignator::parse(&format!("{}{}", f.carrier, f.number))
        .map_or_else(|_| format!("{}{}", f.carrier, f.number), |d| d.to_string())
}

/// What `data` changes against what was published before it.
fn changes(data: &gatecare_sync::station::StationData, before: &Published) -> ImportChanges {
    let (flights, bookings, profiles) = before;
    let mut out = ImportChanges::default();
    let mut changed = Vec::new();
    for f in &data.flights {
        match flights.get(&f.id) {
            None => out.flights_new += 1,
            Some(old) => {
                // The same flight spelled differently ("008", "0008") is no
                // change; a new number reads in its normal form.
                let mut diff = differences(old, f);
                diff.retain(|d| !d.starts_with("number "));
                if designator(old) != designator(f) {
                    diff.insert(0, format!("flight number {} → {}", designator(old), designator(f)));
                }
                if !diff.is_empty() {
                    changed.push(format!("flight {}: {}", designator(f), diff.join("; ")));
                }
            }
        }
    }
    let name =
        |id: &Uuid| data.flights.iter().find(|f| f.id == *id).map_or_else(|| id.to_string(), designator);
    for b in &data.bookings {
        match bookings.get(&(b.flight_id, b.passenger_id)) {
            None => out.bookings_new += 1,
            Some(old) => {
                let diff = differences(old, b);
                if !diff.is_empty() {
                    changed.push(format!(
                        "booking of {}/{} on {}: {}",
                        b.surname,
                        b.given_names,
                        name(&b.flight_id),
                        diff.join("; ")
                    ));
                }
            }
        }
    }
    for l in &data.loyalty {
        match profiles.get(&l.passenger_id) {
            None => out.profiles_new += 1,
            Some(old) => {
                let diff = differences(old, l);
                if !diff.is_empty() {
                    // Named as the bookings name them, with the id to look up.
                    let who = data
                        .bookings
                        .iter()
                        .find(|b| b.passenger_id == l.passenger_id)
                        .map_or_else(String::new, |b| format!("{}/{} ", b.surname, b.given_names));
                    changed.push(format!("profile of {who}({}): {}", l.passenger_id, diff.join("; ")));
                }
            }
        }
    }
    let more = changed.len().saturating_sub(CHANGES_LISTED);
    changed.truncate(CHANGES_LISTED);
    if more > 0 {
        changed.push(format!("… and {more} more changes"));
    }
    out.changed = changed;
    out
}

#[derive(Debug, thiserror::Error)]
pub enum StationImportError {
    // The path and reason are this error's own text: not a `source` as
    // well, or `{:#}` would print them twice.
    #[error("station data refused, nothing published: {0}")]
    Invalid(gatecare_sync::station::StationDataError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Publishes a station's data to its feed, after checking all of it (one
/// bad record refuses the document; nothing is published). Kiosks apply
/// every item as an upsert, so importing the same document again is safe —
/// which is also how an import interrupted half-way is finished.
pub async fn import_station_data<D: Database>(
    db: &D,
    data: &gatecare_sync::station::StationData,
    now: DateTime<Utc>,
) -> Result<StationImport, StationImportError> {
    data.check().map_err(StationImportError::Invalid)?;
    // What only central can tell: a disruption names a flight of the same
    // document (operations publish the flight with it) and a cause the care
    // engine knows.
    let flights: std::collections::HashSet<_> = data.flights.iter().map(|f| f.id).collect();
    for (i, d) in data.disruptions.iter().enumerate() {
        let bad = |field: &str, reason: &str| {
            StationImportError::Invalid(gatecare_sync::station::StationDataError {
                path: format!("disruptions[{i}].{field}"),
                reason: reason.to_owned(),
            })
        };
        if !flights.contains(&d.flight_id) {
            return Err(bad("flight_id", "not a flight of this document"));
        }
        if gatecare_care::cause::Cause::parse(&d.cause).is_none() {
            return Err(bad("cause", "not a cause category or an IATA delay code"));
        }
    }
    let before = published(db, &data.station, now).await?;
    // A flight already published under another id (the same carrier,
    // number in its normal form and departure) would be a second copy of
    // it on every device, which they cannot store: refused, by its path.
    for (i, f) in data.flights.iter().enumerate() {
        if let Some(old) = before.0.values().find(|o| {
            o.id != f.id && designator(o) == designator(f) && o.scheduled_departure == f.scheduled_departure
        }) {
            return Err(StationImportError::Invalid(gatecare_sync::station::StationDataError {
                path: format!("flights[{i}].id"),
                reason: format!(
                    "{} at {} is already published as flight {}; keep that id",
                    designator(f),
                    f.scheduled_departure.to_rfc3339(),
                    old.id
                ),
            }));
        }
    }
    let changes = changes(data, &before);
    let station_flights: Vec<StationFlight> = data
        .flights
        .iter()
        .map(|f| StationFlight { id: f.id.to_string(), key_prefix: key_prefix(f) })
        .collect();
    db.record_station_flights(&data.station, &station_flights).await?;
    let items = data.feed_items();
    let mut seqs = Vec::with_capacity(items.len());
    for (topic, body) in &items {
        seqs.push(db.publish(&data.station, *topic, body, now).await?);
    }
    Ok(StationImport {
        station: data.station.clone(),
        flights: data.flights.len(),
        bookings: data.bookings.len(),
        profiles: data.loyalty.len(),
        hotel_blocks: data.hotel_blocks.len(),
        lounges: data.lounges.len(),
        star_bands: data.star_bands.len(),
        disruptions: data.disruptions.len(),
        policy: data.policy.is_some(),
        feed_items: items.len(),
        first_server_seq: seqs.first().copied(),
        last_server_seq: seqs.last().copied(),
        changes,
    })
}
