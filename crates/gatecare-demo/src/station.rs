//! The demo day as the airline's systems would export it for central
//! (`gatecare_sync::station`): a sample `StationData` document, and what the
//! tests import to check that station data reaches the kiosks.

use chrono::{DateTime, Utc};
use gatecare_sync::station::{
    BookingData, CabinData, DisruptionData, FlightData, GroupData, HotelBlockData, LoungeData, LoyaltyData,
    StarBandData, StationData,
};
use uuid::Uuid;

use crate::DemoDay;

/// The station data of `flights` (all flights when empty): the flights,
/// their bookings, loyalty profiles and current disruptions, and the
/// station's hotel blocks, lounges and star bands.
pub fn station_data(day: &DemoDay, flights: &[Uuid]) -> StationData {
    let wanted = |id: &Uuid| flights.is_empty() || flights.contains(id);
    let passengers: Vec<_> = day.passengers.iter().filter(|p| wanted(&p.flight_id)).collect();
    StationData {
        station: day.station.to_string(),
        flights: day
            .flights
            .iter()
            .filter(|f| wanted(&f.id))
            .map(|f| FlightData {
                id: f.id,
                carrier: f.designator.carrier.to_string(),
                number: f.designator.number.to_string(),
                origin: f.origin.to_string(),
                destination: f.destination.to_string(),
                scheduled_departure: f.scheduled_departure,
                scheduled_arrival: f.scheduled_arrival,
                gate: Some(f.gate.clone()),
                aircraft: Some(f.aircraft.to_owned()),
                cabins: f
                    .cabins
                    .iter()
                    .map(|c| CabinData {
                        cabin: c.cabin.as_str().to_owned(),
                        seats: u32::from(c.seats),
                        booked: u32::from(c.booked),
                    })
                    .collect(),
            })
            .collect(),
        bookings: passengers
            .iter()
            .map(|p| BookingData {
                flight_id: p.flight_id,
                passenger_id: p.id,
                surname: p.name.surname.clone(),
                given_names: p.name.given_names.clone(),
                native_name: p.name.native.clone(),
                birth_year: Some(p.birth_year),
                nationality: Some(p.nationality.to_owned()),
                lives_in_departure_city: p.lives_in_departure_city,
                needs: p.needs.iter().map(|n| n.as_str().to_owned()).collect(),
                pnr: p.pnr.as_str().to_owned(),
                ticket_number: p.ticket_number.clone(),
                cabin: p.cabin.as_str().to_owned(),
                booking_class: p.booking_class.to_string(),
                seat: p.seat.clone(),
                check_in_sequence: Some(p.check_in_sequence),
                group: p.group.as_ref().map(|g| GroupData {
                    id: g.group_id,
                    name: g.group_name.clone(),
                    leader: g.leader,
                }),
                boarding_pass: Some(p.boarding_pass.clone()),
            })
            .collect(),
        loyalty: passengers
            .iter()
            .map(|p| LoyaltyData {
                passenger_id: p.id,
                ff_airline: p.loyalty.as_ref().map(|l| l.airline.to_string()),
                ff_number: p.loyalty.as_ref().map(|l| l.number.clone()),
                tier: p.loyalty.as_ref().map_or("none", |l| l.tier.as_str()).to_owned(),
                miles: p.loyalty.as_ref().map_or(0, |l| i64::from(l.miles)),
                complaints_filed: p.profile.complaints_filed,
                service_sensitivity: p.profile.service_sensitivity,
                flights_last_12_months: p.profile.flights_last_12_months,
                weekday_share_pct: p.profile.weekday_share_pct,
                channel: p.profile.channel.as_str().to_owned(),
                occupation: p.profile.occupation.to_owned(),
                staff_notes: p.profile.staff_notes.iter().map(|n| (*n).to_owned()).collect(),
            })
            .collect(),
        hotel_blocks: day
            .hotels
            .iter()
            .map(|h| HotelBlockData {
                id: h.id,
                name: h.name.to_owned(),
                name_zh: Some(h.name_zh.to_owned()),
                address: h.address.to_owned(),
                stars: h.stars,
                rooms_total: u32::from(h.rooms_total),
                rooms_left: u32::from(h.rooms_left),
                rate: h.rate,
                transport: h.transport.to_owned(),
                valid_from: h.valid_from,
                valid_until: h.valid_until,
            })
            .collect(),
        policy: None,
        lounges: day
            .lounges
            .iter()
            .map(|l| LoungeData {
                id: l.id,
                name: l.name.to_owned(),
                operator: l.operator.to_string(),
                location: l.location.to_owned(),
                opens: l.opens.format("%H:%M").to_string(),
                closes: l.closes.format("%H:%M").to_string(),
            })
            .collect(),
        star_bands: day
            .star_bands
            .iter()
            .map(|b| StarBandData { stars: b.stars, min_score: b.min_score })
            .collect(),
        disruptions: day
            .flights
            .iter()
            .filter(|f| wanted(&f.id))
            .filter_map(|f| f.disruption.as_ref().map(|d| (f, d)))
            .map(|(f, d)| DisruptionData {
                // One per flight, the same on every machine.
                id: Uuid::from_u128(f.id.as_u128() ^ 0xd15_0000_0000_0000_0000),
                flight_id: f.id,
                kind: d.kind.as_str().to_owned(),
                cause: d.cause.to_owned(),
                expected_departure: d.expected_departure,
                expected_arrival: d.expected_arrival,
                reroute_flight: None,
                recorded_at: d.recorded_at,
                recorded_by: d.recorded_by.to_owned(),
            })
            .collect(),
    }
}

/// The day's station data as known at `now`: a disruption the demo records
/// later in its day (loaded past local midnight, the day's flights are all
/// ahead) is told as recorded now, so what an agent records from now on is
/// the newer record, as it would be with real operations data.
pub fn known_at(mut data: StationData, now: DateTime<Utc>) -> StationData {
    for d in &mut data.disruptions {
        d.recorded_at = d.recorded_at.min(now);
    }
    data
}

/// The demo's gate agents as central publishes them (`admin agent`): the
/// feed body of each, with its PIN hashed by `hash_pin`.
pub fn agent_feed_bodies<E>(
    day: &DemoDay,
    hash_pin: impl Fn(&str) -> Result<String, E>,
) -> Result<Vec<serde_json::Value>, E> {
    day.agents
        .iter()
        .filter(|a| a.station == day.station)
        .map(|a| {
            Ok(serde_json::json!({
                "code": a.code, "name": a.name, "role": a.role.as_str(), "station": a.station.as_str(),
                "pin_hash": hash_pin(a.pin)?,
            }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_never_dated_after_the_moment_they_are_known() {
        let day = crate::generate(crate::DemoConfig::for_date(
            chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        ));
        let data = station_data(&day, &[]);
        let recorded: Vec<DateTime<Utc>> = data.disruptions.iter().map(|d| d.recorded_at).collect();
        assert!(!recorded.is_empty());
        let early = recorded.iter().min().copied().unwrap() - chrono::Duration::hours(1);
        let known = known_at(data.clone(), early);
        assert!(known.disruptions.iter().all(|d| d.recorded_at == early));
        let late = recorded.iter().max().copied().unwrap() + chrono::Duration::hours(1);
        assert_eq!(known_at(data.clone(), late), data, "what was recorded before stays as it was");
    }

    #[test]
    fn the_whole_demo_day_is_valid_station_data() {
        let day = crate::generate(crate::DemoConfig::for_date(
            chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        ));
        let data = station_data(&day, &[]);
        if let Err(e) = data.check() {
            panic!("{e}");
        }
        assert_eq!(data.flights.len(), day.flights.len());
        assert_eq!(data.bookings.len(), day.passengers.len());
        let one = station_data(&day, &[day.flights[0].id]);
        assert_eq!(one.flights.len(), 1);
        assert!(one.bookings.iter().all(|b| b.flight_id == day.flights[0].id));
    }
}
