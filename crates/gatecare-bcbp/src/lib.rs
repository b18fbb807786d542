//! IATA Bar Coded Boarding Pass (Resolution 792).
//!
//! [`BoardingPass`] is the typed form; [`parse`] reads barcode text leniently
//! (returning warnings for the rules real passes break) and [`encode`] writes
//! it. Field layout: IATA Resolution 792 and the comments in `parse.rs`.
//!
//! Pure: no IO, no clock. [`resolve_flight_date`] takes the reference date.

mod date;
mod encode;
mod parse;

pub use date::{resolve_flight_date, resolve_issue_date};
pub use encode::{EncodeError, encode};
pub use parse::{ParseError, Parsed, parse};

use serde::{Deserialize, Serialize};

/// A boarding pass as printed in its barcode. Strings hold the trimmed field
/// values; blank fields are `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardingPass {
    pub surname: String,
    pub given_names: String,
    pub electronic_ticket: bool,
    /// Version of the conditional data (1-8); `None` when the pass has none.
    pub version: Option<u8>,
    pub passenger_description: Option<char>,
    pub check_in_source: Option<char>,
    pub boarding_pass_source: Option<char>,
    /// Date of issue: last digit of the year and day of year.
    pub issue_date: Option<IssueDate>,
    pub document_type: Option<char>,
    pub issuer: Option<String>,
    /// Baggage tag licence plate numbers (up to three ranges of 13 characters).
    pub baggage_tags: Vec<String>,
    pub legs: Vec<Leg>,
    pub security: Option<Security>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueDate {
    pub year_digit: u8,
    pub day_of_year: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leg {
    pub pnr: String,
    pub from: String,
    pub to: String,
    pub operating_carrier: String,
    /// Without leading zeros, suffix kept: "834", "834A".
    pub flight_number: String,
    pub day_of_year: u16,
    /// Blank on real passes (standby, infants, carriers without
    /// compartments): `None`, with a warning.
    pub compartment: Option<char>,
    /// As printed, trimmed ("001A").
    pub seat: Option<String>,
    pub check_in_sequence: Option<u32>,
    pub check_in_sequence_suffix: Option<char>,
    /// Blank on real passes that leave it so: `None`, with a warning.
    pub passenger_status: Option<char>,
    pub airline_numeric_code: Option<String>,
    pub document_serial: Option<String>,
    pub selectee: Option<char>,
    pub international_document_verification: Option<char>,
    pub marketing_carrier: Option<String>,
    pub frequent_flyer_airline: Option<String>,
    pub frequent_flyer_number: Option<String>,
    pub id_ad: Option<char>,
    pub free_baggage: Option<String>,
    pub fast_track: Option<char>,
    /// Airline individual use: free text after the structured fields.
    pub airline_data: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Security {
    #[serde(rename = "type")]
    pub kind: char,
    pub data: String,
}

impl Leg {
    /// A leg with just the mandatory fields, for building passes in code.
    pub fn mandatory(
        pnr: &str,
        from: &str,
        to: &str,
        carrier: &str,
        flight_number: &str,
        day_of_year: u16,
        compartment: char,
    ) -> Leg {
        Leg {
            pnr: pnr.to_owned(),
            from: from.to_owned(),
            to: to.to_owned(),
            operating_carrier: carrier.to_owned(),
            flight_number: flight_number.to_owned(),
            day_of_year,
            compartment: Some(compartment),
            seat: None,
            check_in_sequence: None,
            check_in_sequence_suffix: None,
            passenger_status: Some('1'),
            airline_numeric_code: None,
            document_serial: None,
            selectee: None,
            international_document_verification: None,
            marketing_carrier: None,
            frequent_flyer_airline: None,
            frequent_flyer_number: None,
            id_ad: None,
            free_baggage: None,
            fast_track: None,
            airline_data: None,
        }
    }
}
