//! Airports and carriers, embedded from `data/` (see `data/ATTRIBUTION.md`).
//!
//! The tables are parsed once, on first use. A row that does not parse is
//! left out rather than panicking; a unit test keeps that count at zero.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono_tz::Tz;
use gatecare_core::{AirportCode, CarrierCode};
use serde::Serialize;

const AIRPORTS_CSV: &str = include_str!("../data/airports.csv");
const CARRIERS_CSV: &str = include_str!("../data/carriers.csv");

#[derive(Debug, Clone, Serialize)]
pub struct Airport {
    pub code: AirportCode,
    pub name: String,
    pub city: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub lat: f64,
    pub lon: f64,
    #[serde(serialize_with = "serialize_tz")]
    pub tz: Tz,
}

fn serialize_tz<S: serde::Serializer>(tz: &Tz, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(tz.name())
}

/// Canada's APPR sorts carriers by size (SOR/2019-150 s.1: large = 2 M+
/// passengers in each of the two preceding years); compensation differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprSize {
    Large,
    Small,
}

#[derive(Debug, Clone, Serialize)]
pub struct Carrier {
    pub code: CarrierCode,
    pub name: String,
    /// Country of the operating licence (ISO 3166-1 alpha-2), when known.
    pub licence_country: Option<String>,
    pub appr_size: Option<ApprSize>,
}

struct Tables {
    airports: Vec<Airport>,
    airport_index: HashMap<AirportCode, usize>,
    carriers: Vec<Carrier>,
    carrier_index: HashMap<CarrierCode, usize>,
    /// First field of each row that did not parse, for the test to name.
    rejected_rows: Vec<String>,
}

static TABLES: LazyLock<Tables> = LazyLock::new(load);

/// The version of the tables the rules read (airports: country, position,
/// time zone; carriers: licence country, APPR size): `sha256:` and the hash
/// of both files as embedded. Recorded with every issued entitlement, so a
/// replay can say whether it reads the same tables as the decision did.
pub fn version() -> &'static str {
    static VERSION: LazyLock<String> = LazyLock::new(|| {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(AIRPORTS_CSV.as_bytes());
        h.update([0u8]);
        h.update(CARRIERS_CSV.as_bytes());
        let digest = h.finalize();
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256:{hex}")
    });
    &VERSION
}

fn load() -> Tables {
    let mut rejected_rows = Vec::new();
    let mut airports = Vec::new();
    let mut rdr = csv::Reader::from_reader(AIRPORTS_CSV.as_bytes());
    for rec in rdr.records() {
        match rec {
            Ok(r) => match parse_airport(&r) {
                Some(a) => airports.push(a),
                None => rejected_rows.push(r.iter().collect::<Vec<_>>().join(",")),
            },
            Err(e) => rejected_rows.push(e.to_string()),
        }
    }
    let mut carriers = Vec::new();
    let mut rdr = csv::Reader::from_reader(CARRIERS_CSV.as_bytes());
    for rec in rdr.records() {
        match rec {
            Ok(r) => match parse_carrier(&r) {
                Some(c) => carriers.push(c),
                None => rejected_rows.push(r.iter().collect::<Vec<_>>().join(",")),
            },
            Err(e) => rejected_rows.push(e.to_string()),
        }
    }
    let airport_index = airports.iter().enumerate().map(|(i, a)| (a.code.clone(), i)).collect();
    let carrier_index = carriers.iter().enumerate().map(|(i, c)| (c.code.clone(), i)).collect();
    Tables { airports, airport_index, carriers, carrier_index, rejected_rows }
}

fn parse_airport(r: &csv::StringRecord) -> Option<Airport> {
    Some(Airport {
        code: AirportCode::parse(r.get(0)?).ok()?,
        name: r.get(1)?.to_owned(),
        city: r.get(2)?.to_owned(),
        country: r.get(3)?.to_owned(),
        lat: r.get(4)?.parse().ok()?,
        lon: r.get(5)?.parse().ok()?,
        tz: r.get(6)?.parse().ok()?,
    })
}

fn parse_carrier(r: &csv::StringRecord) -> Option<Carrier> {
    let nonempty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    Some(Carrier {
        code: CarrierCode::parse(r.get(0)?).ok()?,
        name: r.get(1)?.to_owned(),
        licence_country: nonempty(r.get(2)?),
        appr_size: match r.get(3)? {
            "large" => Some(ApprSize::Large),
            "small" => Some(ApprSize::Small),
            "" => None,
            _ => return None,
        },
    })
}

pub fn airport(code: &AirportCode) -> Option<&'static Airport> {
    let t = &*TABLES;
    t.airport_index.get(code).map(|&i| &t.airports[i])
}

/// The IANA time zone of an airport given by its code (as stored); UTC for a
/// code that is not a known airport, so times still read true, only not local.
pub fn time_zone(code: &str) -> chrono_tz::Tz {
    AirportCode::parse(code).ok().and_then(|c| airport(&c)).map_or(chrono_tz::UTC, |a| a.tz)
}

/// The served cities as passengers name them, in English and Chinese
/// (`data/city_names.csv`, curated): the metropolitan name, not the
/// municipality the airport stands in (YVR is Vancouver, not Richmond).
fn city_names() -> &'static std::collections::HashMap<&'static str, (&'static str, &'static str)> {
    static NAMES: std::sync::LazyLock<std::collections::HashMap<&'static str, (&'static str, &'static str)>> =
        std::sync::LazyLock::new(|| {
            include_str!("../data/city_names.csv")
                .lines()
                .filter(|l| !l.starts_with('#'))
                .skip(1)
                .filter_map(|l| {
                    let mut f = l.split(',');
                    Some((f.next()?.trim(), (f.next()?.trim(), f.next()?.trim())))
                })
                .collect()
        });
    &NAMES
}

/// The city's name in Chinese, for screens and paper in zh-CN; `None` for a
/// city the table does not serve (callers fall back to the English name).
pub fn city_zh(code: &AirportCode) -> Option<&'static str> {
    city_names().get(code.as_str()).map(|(_, zh)| *zh)
}

/// The city's name in English as a passenger reads it: the curated name of
/// a served city, else the airport table's municipality, else the code.
pub fn city_en(code: &str) -> String {
    if let Some((en, _)) = city_names().get(code) {
        return (*en).to_owned();
    }
    AirportCode::parse(code)
        .ok()
        .and_then(|c| airport(&c))
        .map(|a| a.city.clone())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| code.to_owned())
}

pub fn airports() -> &'static [Airport] {
    &TABLES.airports
}

pub fn carrier(code: &CarrierCode) -> Option<&'static Carrier> {
    let t = &*TABLES;
    t.carrier_index.get(code).map(|&i| &t.carriers[i])
}

/// Rows of the embedded tables that did not parse (0 in every release; a
/// unit test holds it there).
pub fn rejected_rows() -> usize {
    TABLES.rejected_rows.len()
}

pub fn carriers() -> &'static [Carrier] {
    &TABLES.carriers
}

const EARTH_RADIUS_KM: f64 = 6371.0;

/// Great-circle distance by the haversine formula on a spherical Earth of
/// mean radius 6,371 km, the method the EU261 distance bands are applied with.
pub fn great_circle_km(a: &Airport, b: &Airport) -> f64 {
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = la2 - la1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {

    #[test]
    fn served_cities_have_chinese_names_and_each_names_a_known_airport() {
        let code = |c: &str| AirportCode::parse(c).unwrap();
        assert_eq!(city_zh(&code("KMG")), Some("昆明"));
        assert_eq!(city_zh(&code("HKG")), Some("香港"));
        assert_eq!(city_zh(&code("GKA")), None);
        // Metropolitan names, not the airport's municipality.
        assert_eq!((city_en("YVR").as_str(), city_zh(&code("YVR"))), ("Vancouver", Some("温哥华")));
        assert_eq!(city_en("YYZ"), "Toronto");
        assert_eq!(city_en("MFM"), "Macau");
        assert_eq!(city_en("GKA"), "Goronka", "an unserved city keeps the airport table's name");
        assert_eq!(city_en("QQQ"), "QQQ");
        let rows: Vec<&str> =
            include_str!("../data/city_names.csv").lines().filter(|l| !l.starts_with('#')).skip(1).collect();
        assert!(rows.len() >= 48);
        for line in rows {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f.len(), 3, "{line}");
            assert!(airport(&code(f[0])).is_some(), "{} is not in the airport table", f[0]);
            assert!(!f[1].is_empty() && f[1].is_ascii(), "{line}");
            assert!(!f[2].is_empty() && !f[2].is_ascii(), "{line}");
            assert_eq!(city_names().get(f[0]).map(|n| n.0), Some(f[1]));
        }
    }

    use super::*;

    fn ap(s: &str) -> &'static Airport {
        airport(&AirportCode::parse(s).unwrap()).unwrap()
    }

    #[test]
    fn every_embedded_row_parses() {
        assert_eq!(TABLES.rejected_rows, Vec::<String>::new());
        assert!(airports().len() > 7000);
        assert!(carriers().len() > 900);
    }

    #[test]
    fn knows_the_seed_route_and_time_zones() {
        let hkg = ap("HKG");
        assert_eq!(hkg.tz, chrono_tz::Asia::Hong_Kong);
        assert_eq!(hkg.country, "HK");
        let kmg = ap("KMG");
        assert!(kmg.name.contains("Changshui"));
        assert_eq!(ap("RUN").country, "RE");
        let d = great_circle_km(hkg, kmg);
        assert!((1100.0..1200.0).contains(&d), "HKG-KMG {d} km");
    }

    #[test]
    fn distances_match_published_figures() {
        // AMS-BCN is about 1,240 km; CDG-JFK about 5,840 km.
        let d = great_circle_km(ap("AMS"), ap("BCN"));
        assert!((1200.0..1280.0).contains(&d), "{d}");
        let d = great_circle_km(ap("CDG"), ap("JFK"));
        assert!((5800.0..5880.0).contains(&d), "{d}");
        assert_eq!(great_circle_km(ap("HKG"), ap("HKG")), 0.0);
    }

    #[test]
    fn curated_carriers_carry_licence_and_size() {
        let cz = carrier(&CarrierCode::parse("CZ").unwrap()).unwrap();
        assert_eq!(cz.licence_country.as_deref(), Some("CN"));
        assert_eq!(cz.appr_size, Some(ApprSize::Large));
        assert!(carrier(&CarrierCode::parse("EZY").unwrap()).is_some());
        assert!(airport(&AirportCode::parse("QQQ").unwrap()).is_none());
    }
}
