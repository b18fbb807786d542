//! Which passenger-rights regimes apply to a flight.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Regime {
    #[serde(rename = "EU261")]
    Eu261,
    #[serde(rename = "UK261")]
    Uk261,
    #[serde(rename = "APPR")]
    Appr,
    #[serde(rename = "US_DOT")]
    UsDot,
    #[serde(rename = "CN_MOT_2016")]
    CnMot2016,
    #[serde(rename = "ANAC_400")]
    Anac400,
}

impl Regime {
    pub fn as_str(self) -> &'static str {
        match self {
            Regime::Eu261 => "EU261",
            Regime::Uk261 => "UK261",
            Regime::Appr => "APPR",
            Regime::UsDot => "US_DOT",
            Regime::CnMot2016 => "CN_MOT_2016",
            Regime::Anac400 => "ANAC_400",
        }
    }

    /// The instrument, for citations.
    pub fn instrument(self) -> &'static str {
        match self {
            Regime::Eu261 => "Regulation (EC) No 261/2004",
            Regime::Uk261 => "UK Reg 261/2004 as retained (SI 2019/278)",
            Regime::Appr => "Air Passenger Protection Regulations SOR/2019-150",
            Regime::UsDot => "US DOT Airline Customer Service Dashboard commitments",
            Regime::CnMot2016 => "航班正常管理规定 (交通运输部令2016年第56号 / MOT Order 2016 No. 56)",
            Regime::Anac400 => "ANAC Resolução nº 400/2016",
        }
    }
}

/// EU member states (ISO 3166-1), their outermost regions with codes of
/// their own, and the EEA states and Switzerland that apply Regulation 261.
/// The Canaries, Azores and Madeira carry ES/PT codes already.
const EU261_AREA: &[&str] = &[
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT",
    "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", // member states
    "RE", "GP", "MQ", "GF", "YT", "MF", // outermost regions
    "IS", "NO", "LI", "CH", // EEA and Switzerland
];

pub fn in_eu261_area(country: &str) -> bool {
    EU261_AREA.contains(&country)
}

pub fn in_uk(country: &str) -> bool {
    country == "GB"
}

/// The regimes that apply, in a fixed order. `licence` is the operating
/// carrier's licence country (ISO 3166-1), when known.
pub fn applicable(origin_country: &str, destination_country: &str, licence: Option<&str>) -> Vec<Regime> {
    let lic = licence.unwrap_or("");
    let mut out = Vec::new();
    // EU261 Art 3(1): departures from the area; arrivals there on an area carrier.
    if in_eu261_area(origin_country) || (in_eu261_area(destination_country) && in_eu261_area(lic)) {
        out.push(Regime::Eu261);
    }
    // UK261 Art 3(1) as amended: departures from the UK; arrivals into the UK on
    // a UK or EU carrier; arrivals into the EU on a UK carrier.
    if in_uk(origin_country)
        || (in_uk(destination_country) && (in_uk(lic) || in_eu261_area(lic)))
        || (in_eu261_area(destination_country) && in_uk(lic))
    {
        out.push(Regime::Uk261);
    }
    // Canada Transportation Act s.86.11(1): flights to, from and within Canada.
    if origin_country == "CA" || destination_country == "CA" {
        out.push(Regime::Appr);
    }
    // The Chinese rules: departures from mainland China, and carriers licensed there.
    if origin_country == "CN" || lic == "CN" {
        out.push(Regime::CnMot2016);
    }
    // ANAC Res. 400: departures from Brazil.
    if origin_country == "BR" {
        out.push(Regime::Anac400);
    }
    if out.is_empty() && lic == "US" {
        out.push(Regime::UsDot);
    }
    out
}

/// EU261/UK261 distance bands (Art 7(1)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Band {
    A,
    B,
    C,
}

/// `domestic_area`: both ends in the regime's own area (intra-EU for EU261,
/// within the UK for UK261), where band B has no upper limit.
pub fn band(distance_km: f64, domestic_area: bool) -> Band {
    if distance_km <= 1500.0 {
        Band::A
    } else if domestic_area || distance_km <= 3500.0 {
        Band::B
    } else {
        Band::C
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_follows_the_texts() {
        use Regime::*;
        assert_eq!(applicable("NL", "ES", Some("NL")), vec![Eu261]);
        // Into the EU on a non-EU carrier: not EU261.
        assert_eq!(applicable("US", "FR", Some("US")), vec![UsDot]);
        // Into the EU on an EU carrier.
        assert_eq!(applicable("US", "FR", Some("FR")), vec![Eu261]);
        // Réunion counts as EU territory.
        assert_eq!(applicable("RE", "MU", Some("MU")), vec![Eu261]);
        assert_eq!(applicable("GB", "GB", Some("GB")), vec![Uk261]);
        // EU → UK on a UK carrier: both.
        assert_eq!(applicable("FR", "GB", Some("GB")), vec![Eu261, Uk261]);
        // US → EU on a UK carrier: UK261 only.
        assert_eq!(applicable("US", "FR", Some("GB")), vec![Uk261]);
        assert_eq!(applicable("CA", "CA", Some("CA")), vec![Appr]);
        assert_eq!(applicable("GB", "CA", Some("CA")), vec![Uk261, Appr]);
        // The seeds' CZ342: Hong Kong → Kunming on a mainland carrier.
        assert_eq!(applicable("HK", "CN", Some("CN")), vec![CnMot2016]);
        assert_eq!(applicable("HK", "JP", Some("HK")), Vec::<Regime>::new());
        assert_eq!(applicable("BR", "BR", Some("BR")), vec![Anac400]);
        // A US carrier where a statute applies gets that statute only.
        assert_eq!(applicable("DE", "US", Some("US")), vec![Eu261]);
    }

    #[test]
    fn bands_at_their_boundaries() {
        assert_eq!(band(1500.0, false), Band::A);
        assert_eq!(band(1500.1, false), Band::B);
        assert_eq!(band(3500.0, false), Band::B);
        assert_eq!(band(3500.1, false), Band::C);
        assert_eq!(band(9000.0, true), Band::B);
    }
}
