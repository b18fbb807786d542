use std::fmt::Write;

use crate::BoardingPass;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("a pass carries 1 to 4 legs, not {0}")]
    LegCount(usize),
    #[error("field {field} does not fit: {value:?}")]
    Field { field: &'static str, value: String },
}

fn field(out: &mut String, name: &'static str, value: &str, width: usize) -> Result<(), EncodeError> {
    if value.chars().count() > width || !value.is_ascii() {
        return Err(EncodeError::Field { field: name, value: value.to_owned() });
    }
    let _ = write!(out, "{value:<width$}");
    Ok(())
}

fn opt(out: &mut String, name: &'static str, value: Option<&str>, width: usize) -> Result<(), EncodeError> {
    field(out, name, value.unwrap_or(""), width)
}

fn opt_char(c: Option<char>) -> String {
    c.map(String::from).unwrap_or_else(|| " ".into())
}

/// Writes the barcode text of a pass, version 6 layout for the conditional
/// items. The name is cut to 20 characters as real passes are.
pub fn encode(pass: &BoardingPass) -> Result<String, EncodeError> {
    if pass.legs.is_empty() || pass.legs.len() > 4 {
        return Err(EncodeError::LegCount(pass.legs.len()));
    }
    let mut out = String::with_capacity(160);
    out.push('M');
    out.push(char::from(b'0' + pass.legs.len() as u8));
    let name: String = format!("{}/{}", pass.surname, pass.given_names).chars().take(20).collect();
    field(&mut out, "name", &name, 20)?;
    out.push(if pass.electronic_ticket { 'E' } else { ' ' });

    for (i, leg) in pass.legs.iter().enumerate() {
        field(&mut out, "pnr", &leg.pnr, 7)?;
        field(&mut out, "from", &leg.from, 3)?;
        field(&mut out, "to", &leg.to, 3)?;
        field(&mut out, "operating_carrier", &leg.operating_carrier, 3)?;
        let (digits, suffix) = split_suffix(&leg.flight_number);
        let number: u16 = digits
            .parse()
            .map_err(|_| EncodeError::Field { field: "flight_number", value: leg.flight_number.clone() })?;
        if number > 9999 {
            return Err(EncodeError::Field { field: "flight_number", value: leg.flight_number.clone() });
        }
        let _ = write!(out, "{number:04}{}", opt_char(suffix));
        if !(1..=366).contains(&leg.day_of_year) {
            return Err(EncodeError::Field { field: "day_of_year", value: leg.day_of_year.to_string() });
        }
        let _ = write!(out, "{:03}", leg.day_of_year);
        match leg.compartment {
            None => out.push(' '),
            Some(c) if c.is_ascii_alphabetic() => out.push(c),
            Some(c) => return Err(EncodeError::Field { field: "compartment", value: c.to_string() }),
        }
        opt(&mut out, "seat", leg.seat.as_deref(), 4)?;
        match leg.check_in_sequence {
            Some(n) if n <= 9999 => {
                let _ = write!(out, "{n:04}{}", opt_char(leg.check_in_sequence_suffix));
            }
            Some(n) => {
                return Err(EncodeError::Field { field: "check_in_sequence", value: n.to_string() });
            }
            None => out.push_str("     "),
        }
        match leg.passenger_status {
            None => out.push(' '),
            Some(c) if c.is_ascii_graphic() => out.push(c),
            Some(c) => return Err(EncodeError::Field { field: "passenger_status", value: c.to_string() }),
        }

        let mut conditional = String::new();
        if i == 0 {
            let mut unique = String::new();
            unique.push_str(&opt_char(pass.passenger_description));
            unique.push_str(&opt_char(pass.check_in_source));
            unique.push_str(&opt_char(pass.boarding_pass_source));
            match pass.issue_date {
                Some(d) => {
                    let _ = write!(unique, "{}{:03}", d.year_digit % 10, d.day_of_year);
                }
                None => unique.push_str("    "),
            }
            unique.push_str(&opt_char(pass.document_type));
            opt(&mut unique, "issuer", pass.issuer.as_deref(), 3)?;
            if pass.baggage_tags.len() > 3 {
                return Err(EncodeError::Field { field: "baggage_tags", value: pass.baggage_tags.join(",") });
            }
            for tag in &pass.baggage_tags {
                field(&mut unique, "baggage_tag", tag, 13)?;
            }
            let _ = write!(conditional, ">{}{:02X}{unique}", pass.version.unwrap_or(6), unique.len());
        }
        let mut repeated = String::new();
        opt(&mut repeated, "airline_numeric_code", leg.airline_numeric_code.as_deref(), 3)?;
        opt(&mut repeated, "document_serial", leg.document_serial.as_deref(), 10)?;
        repeated.push_str(&opt_char(leg.selectee));
        repeated.push_str(&opt_char(leg.international_document_verification));
        opt(&mut repeated, "marketing_carrier", leg.marketing_carrier.as_deref(), 3)?;
        opt(&mut repeated, "frequent_flyer_airline", leg.frequent_flyer_airline.as_deref(), 3)?;
        opt(&mut repeated, "frequent_flyer_number", leg.frequent_flyer_number.as_deref(), 16)?;
        repeated.push_str(&opt_char(leg.id_ad));
        opt(&mut repeated, "free_baggage", leg.free_baggage.as_deref(), 3)?;
        repeated.push_str(&opt_char(leg.fast_track));
        let _ = write!(conditional, "{:02X}{repeated}", repeated.len());
        if let Some(data) = &leg.airline_data {
            if !data.is_ascii() {
                return Err(EncodeError::Field { field: "airline_data", value: data.clone() });
            }
            conditional.push_str(data);
        }
        if conditional.len() > 255 {
            return Err(EncodeError::Field { field: "conditional", value: conditional });
        }
        let _ = write!(out, "{:02X}{conditional}", conditional.len());
    }
    if !out.is_ascii() {
        // A non-ASCII one-character field would shift every later offset.
        return Err(EncodeError::Field { field: "pass", value: out });
    }
    if let Some(sec) = &pass.security {
        if sec.data.len() > 255 || !sec.data.is_ascii() {
            return Err(EncodeError::Field { field: "security", value: sec.data.clone() });
        }
        let _ = write!(out, "^{}{:02X}{}", sec.kind, sec.data.len(), sec.data);
    }
    Ok(out)
}

fn split_suffix(flight: &str) -> (&str, Option<char>) {
    match flight.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&flight[..i], Some(c)),
        _ => (flight, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{IssueDate, Leg};

    fn cz342() -> BoardingPass {
        let mut leg = Leg::mandatory("K7QX2M", "HKG", "KMG", "CZ", "342", 326, 'Y');
        leg.seat = Some("032C".into());
        leg.check_in_sequence = Some(57);
        leg.airline_numeric_code = Some("784".into());
        leg.document_serial = Some("2401234567".into());
        leg.frequent_flyer_airline = Some("CZ".into());
        leg.frequent_flyer_number = Some("CZ123456789".into());
        BoardingPass {
            surname: "ZHANG".into(),
            given_names: "WEI".into(),
            electronic_ticket: true,
            version: Some(6),
            passenger_description: Some('0'),
            check_in_source: Some('W'),
            boarding_pass_source: Some('W'),
            issue_date: Some(IssueDate { year_digit: 6, day_of_year: 325 }),
            document_type: Some('B'),
            issuer: Some("CZ".into()),
            baggage_tags: vec![],
            legs: vec![leg],
            security: None,
        }
    }

    #[test]
    fn mandatory_part_has_the_iata_layout() {
        let s = encode(&cz342()).unwrap();
        assert_eq!(&s[..58], "M1ZHANG/WEI           EK7QX2M HKGKMGCZ 0342 326Y032C0057 1");
        // Conditional size covers everything after it.
        let size = usize::from_str_radix(&s[58..60], 16).unwrap();
        assert_eq!(s.len(), 60 + size);
        assert!(s[60..].starts_with(">60B"), "{s}");
    }

    #[test]
    fn refuses_what_cannot_be_encoded() {
        let mut p = cz342();
        p.legs[0].pnr = "TOOLONGPNR".into();
        assert!(matches!(encode(&p), Err(EncodeError::Field { field: "pnr", .. })));
        let mut p = cz342();
        p.legs.clear();
        assert_eq!(encode(&p), Err(EncodeError::LegCount(0)));
        let mut p = cz342();
        p.legs[0].day_of_year = 0;
        assert!(encode(&p).is_err());
    }

    #[test]
    fn long_names_are_cut_to_twenty() {
        let mut p = cz342();
        p.surname = "WOLFESCHLEGELSTEINHAUSEN".into();
        let s = encode(&p).unwrap();
        assert_eq!(&s[2..22], "WOLFESCHLEGELSTEINHA");
    }
}
