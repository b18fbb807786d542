//! `gatecare bcbp parse`: the JSON contract of the boarding-pass reader.

use chrono::NaiveDate;
use gatecare_bcbp::{Parsed, resolve_flight_date, resolve_issue_date};
use serde_json::{Value, json};

/// The output object. `flight_date` is present when a reference date is given.
pub fn to_json(parsed: &Parsed, reference: Option<NaiveDate>) -> Value {
    let p = &parsed.pass;
    let issued = match (p.issue_date, reference) {
        (Some(i), Some(r)) => resolve_issue_date(i, r),
        _ => None,
    };
    let legs: Vec<Value> = p
        .legs
        .iter()
        .map(|l| {
            let mut leg = json!({
                "pnr": l.pnr,
                "from": l.from,
                "to": l.to,
                "operating_carrier": l.operating_carrier,
                "flight_number": l.flight_number,
                "day_of_year": l.day_of_year,
                "compartment": l.compartment.map(String::from),
                "seat": l.seat,
                "check_in_sequence": l.check_in_sequence,
                "check_in_sequence_suffix": l.check_in_sequence_suffix.map(String::from),
                "passenger_status": l.passenger_status.map(String::from),
                "marketing_carrier": l.marketing_carrier,
                "airline_numeric_code": l.airline_numeric_code,
                "document_serial": l.document_serial,
                "frequent_flyer_airline": l.frequent_flyer_airline,
                "frequent_flyer_number": l.frequent_flyer_number,
                "free_baggage": l.free_baggage,
                "airline_data": l.airline_data,
            });
            if let Some(r) = reference {
                leg["flight_date"] = json!(resolve_flight_date(l.day_of_year, issued, r));
            }
            leg
        })
        .collect();
    json!({
        "surname": p.surname,
        "given_names": p.given_names,
        "electronic_ticket": p.electronic_ticket,
        "version": p.version,
        "issue_date": issued,
        "legs": legs,
        "security": p.security.as_ref().map(|s| json!({"type": s.kind.to_string(), "data": s.data})),
        "warnings": parsed.warnings,
    })
}
