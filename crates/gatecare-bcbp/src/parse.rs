//! The lenient reader.
//!
//! Mandatory part (lengths in bytes): `M`(1) legs(1) name(20) e-ticket(1), then per
//! leg: PNR(7) from(3) to(3) carrier(3) flight(5) day-of-year(3) compartment(1)
//! seat(4) check-in sequence(5) status(1) conditional size(2, hex).
//! Conditional, first leg only: `>` version(1) unique size(2) passenger
//! description(1) check-in source(1) boarding-pass source(1) issue date(4)
//! document type(1) issuer(3) bag tags(13 ×≤3). Each leg: repeated size(2)
//! airline numeric code(3) serial(10) selectee(1) document verification(1)
//! marketing carrier(3) FF airline(3) FF number(16) ID/AD(1) free bag(3) fast
//! track(1), then airline individual use to the end of the leg's block.
//! Security: `^` type(1) length(2, hex) data.
//!
//! Rules real passes break are repaired with a warning; what cannot be
//! repaired in the mandatory part is an error naming the offset and field.

use crate::{BoardingPass, IssueDate, Leg, Security};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("empty input: no boarding pass was scanned")]
    Empty,
    #[error("not a boarding pass: format code at offset 0 is {found:?}, expected 'M'")]
    FormatCode { found: String },
    #[error("input ends at offset {offset} inside {field}")]
    Truncated { offset: usize, field: &'static str },
    #[error("invalid {field} at offset {offset}: {value:?} ({reason})")]
    Field { offset: usize, field: &'static str, value: String, reason: &'static str },
}

impl ParseError {
    /// A stable code for the UI.
    pub fn code(&self) -> &'static str {
        match self {
            ParseError::Empty => "bcbp.empty",
            ParseError::FormatCode { .. } => "bcbp.not_a_pass",
            ParseError::Truncated { .. } => "bcbp.truncated",
            ParseError::Field { .. } => "bcbp.field",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub pass: BoardingPass,
    /// What was repaired or looked wrong, in words for the agent and the log.
    pub warnings: Vec<String>,
}

/// A byte cursor over the pass.
struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.b.len().saturating_sub(self.pos)
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    /// Exactly `n` bytes of a mandatory field.
    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], ParseError> {
        if self.remaining() < n {
            return Err(ParseError::Truncated { offset: self.b.len(), field });
        }
        let s = &self.b[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// Up to `n` bytes, bounded by `end`: optional fields of a block that
    /// may be cut short.
    fn take_upto(&mut self, n: usize, end: usize) -> &'a [u8] {
        let stop = (self.pos + n).min(end).min(self.b.len());
        let start = self.pos.min(stop);
        self.pos = stop;
        &self.b[start..stop]
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Trimmed text; `None` when blank.
fn opt_text(b: &[u8]) -> Option<String> {
    let t = text(b);
    let t = t.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn opt_char(b: &[u8]) -> Option<char> {
    b.first().copied().filter(|c| !c.is_ascii_whitespace() && c.is_ascii_graphic()).map(char::from)
}

fn hex2(b: &[u8]) -> Option<usize> {
    std::str::from_utf8(b).ok().and_then(|s| usize::from_str_radix(s, 16).ok()).filter(|_| b.len() == 2)
}

fn field_err(offset: usize, field: &'static str, value: &[u8], reason: &'static str) -> ParseError {
    ParseError::Field { offset, field, value: text(value).chars().take(32).collect(), reason }
}

/// Parses barcode text. Never panics, whatever the bytes.
pub fn parse(input: &str) -> Result<Parsed, ParseError> {
    let mut warnings = Vec::new();
    let trimmed = input.trim_end_matches(['\r', '\n']).trim_start_matches(['\r', '\n', ' ']);
    if trimmed.is_empty() {
        return Err(ParseError::Empty);
    }
    // Some printers put a group separator (0x1D) between legs: drop them.
    let cleaned: Vec<u8> = if trimmed.bytes().any(|c| c == 0x1D) {
        warnings.push("group separators (0x1D) removed".to_owned());
        trimmed.bytes().filter(|&c| c != 0x1D).collect()
    } else {
        trimmed.bytes().collect()
    };
    let mut r = Reader { b: &cleaned, pos: 0 };

    let format = r.take(1, "format code")?;
    match format[0] {
        b'M' => {}
        b'm' => warnings.push("format code in lower case".to_owned()),
        _ => return Err(ParseError::FormatCode { found: text(format) }),
    }
    let legs_byte = r.take(1, "number of legs")?;
    let leg_count = match legs_byte[0] {
        c @ b'1'..=b'4' => (c - b'0') as usize,
        _ => return Err(field_err(1, "number of legs", legs_byte, "expected 1 to 4")),
    };

    let name_raw = r.take(20, "passenger name")?;
    let name = text(name_raw);
    if !name_raw.is_ascii() {
        return Err(field_err(2, "passenger name", name_raw, "not ASCII"));
    }
    if name.bytes().any(|c| c.is_ascii_lowercase()) {
        warnings.push("passenger name in lower case".to_owned());
    }
    let name = name.to_ascii_uppercase();
    if !name.ends_with(' ') {
        warnings.push("passenger name fills all 20 characters and may be cut".to_owned());
    }
    let (surname, given_names) = match name.split_once('/') {
        Some((s, g)) => (s.trim().to_owned(), g.trim().to_owned()),
        None => (name.trim().to_owned(), String::new()),
    };
    if surname.is_empty() {
        return Err(field_err(2, "passenger name", name_raw, "no surname"));
    }

    // The e-ticket indicator: 'E', or blank. Some passes leave it out
    // altogether; then the PNR starts here, which the airports show.
    let electronic_ticket = match r.peek() {
        Some(b'E') => {
            r.pos += 1;
            true
        }
        Some(b' ') => {
            r.pos += 1;
            warnings.push("no electronic-ticket indicator".to_owned());
            false
        }
        Some(_) if leg_alignment(&cleaned, r.pos) > leg_alignment(&cleaned, r.pos + 1) => {
            warnings.push("electronic-ticket indicator missing; fields realigned".to_owned());
            false
        }
        Some(c) => {
            r.pos += 1;
            warnings.push(format!("unexpected electronic-ticket indicator {:?}", char::from(c)));
            c.eq_ignore_ascii_case(&b'e')
        }
        None => return Err(ParseError::Truncated { offset: r.pos, field: "electronic ticket indicator" }),
    };

    let mut pass = BoardingPass {
        surname,
        given_names,
        electronic_ticket,
        version: None,
        passenger_description: None,
        check_in_source: None,
        boarding_pass_source: None,
        issue_date: None,
        document_type: None,
        issuer: None,
        baggage_tags: Vec::new(),
        legs: Vec::with_capacity(leg_count),
        security: None,
    };

    for i in 0..leg_count {
        let leg = parse_leg(&mut r, i, &mut pass, &mut warnings)?;
        pass.legs.push(leg);
    }

    // Security data, when present.
    if r.peek() == Some(b'^') {
        let start = r.pos;
        r.pos += 1;
        let kind = r.take_upto(1, usize::MAX);
        let len = r.take_upto(2, usize::MAX);
        match (opt_char(kind), hex2(len)) {
            (Some(kind), Some(n)) => {
                let data = r.take_upto(n, usize::MAX);
                if data.len() < n {
                    warnings.push(format!("security data shorter than its declared {n} characters"));
                }
                pass.security = Some(Security { kind, data: text(data) });
            }
            _ => warnings.push(format!("unreadable security section at offset {start}")),
        }
    }
    if r.remaining() > 0 {
        warnings.push(format!("{} unexpected characters after the pass ignored", r.remaining()));
    }
    Ok(Parsed { pass, warnings })
}

/// How much the bytes at `pos` look like the start of a leg: a PNR, two
/// airport codes, a carrier, a flight number ending in a digit and a 3-digit
/// day of the year. Used to tell a missing field from a wrong one.
fn leg_alignment(b: &[u8], pos: usize) -> u8 {
    let Some(leg) = b.get(pos..pos + 24) else { return 0 };
    let alpha = |s: &[u8]| s.iter().all(|c| c.is_ascii_alphabetic());
    let digits = |s: &[u8]| s.iter().all(|c| c.is_ascii_digit());
    [
        leg[0].is_ascii_alphanumeric(),
        alpha(&leg[7..10]),
        alpha(&leg[10..13]),
        leg[13].is_ascii_alphanumeric(),
        leg[19].is_ascii_digit(),
        digits(&leg[21..24]),
    ]
    .iter()
    .map(|&ok| ok as u8)
    .sum()
}

fn parse_leg(
    r: &mut Reader<'_>,
    index: usize,
    pass: &mut BoardingPass,
    warnings: &mut Vec<String>,
) -> Result<Leg, ParseError> {
    let leg_no = index + 1;
    let at = r.pos;
    let pnr_raw = r.take(7, "PNR")?;
    let pnr = opt_text(pnr_raw).ok_or_else(|| field_err(at, "PNR", pnr_raw, "blank"))?;
    if !pnr.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return Err(field_err(at, "PNR", pnr_raw, "not letters and digits"));
    }

    let airport = |r: &mut Reader<'_>, field: &'static str, warnings: &mut Vec<String>| {
        let at = r.pos;
        let raw = r.take(3, field)?;
        if !raw.iter().all(|c| c.is_ascii_alphabetic()) {
            return Err(field_err(at, field, raw, "expected a 3-letter airport code"));
        }
        if raw.iter().any(|c| c.is_ascii_lowercase()) {
            warnings.push(format!("leg {leg_no}: {field} in lower case"));
        }
        Ok(text(raw).to_ascii_uppercase())
    };
    let from = airport(r, "from airport", warnings)?;
    let to = airport(r, "to airport", warnings)?;

    let at = r.pos;
    let carrier_raw = r.take(3, "operating carrier")?;
    let carrier = opt_text(carrier_raw)
        .filter(|c| c.len() >= 2 && c.bytes().all(|b| b.is_ascii_alphanumeric()))
        .ok_or_else(|| field_err(at, "operating carrier", carrier_raw, "expected 2-3 letters or digits"))?
        .to_ascii_uppercase();

    let at = r.pos;
    let flight_raw = r.take(5, "flight number")?;
    let flight_text = text(flight_raw);
    let flight_trim = flight_text.trim();
    let (digits, suffix) = match flight_trim.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (flight_trim[..i].trim(), Some(c.to_ascii_uppercase())),
        _ => (flight_trim, None),
    };
    let number: u16 =
        digits.parse().ok().filter(|n| *n > 0 && digits.len() <= 4).ok_or_else(|| {
            field_err(at, "flight number", flight_raw, "expected up to 4 digits and a letter")
        })?;
    if flight_raw.first() == Some(&b' ')
        || (digits.len() < 4 && flight_raw[..4].iter().all(|c| !c.is_ascii_whitespace()))
    {
        warnings.push(format!("leg {leg_no}: flight number not zero-padded"));
    }
    let flight_number = match suffix {
        Some(s) => format!("{number}{s}"),
        None => number.to_string(),
    };

    // Day of year: "034"; tolerated "34 " and " 34"; and "34Y" where an
    // unpadded date shifted the fields after it.
    let at = r.pos;
    let doy_raw = r.take(3, "date of flight")?;
    let digits_len = doy_raw.iter().take_while(|c| c.is_ascii_digit()).count();
    let doy_text = text(doy_raw);
    let day_of_year: u16 = if digits_len == 3 {
        doy_text.parse().unwrap_or(0)
    } else if doy_text.trim().bytes().all(|c| c.is_ascii_digit()) && !doy_text.trim().is_empty() {
        warnings.push(format!("leg {leg_no}: date of flight not zero-padded"));
        doy_text.trim().parse().unwrap_or(0)
    } else if digits_len > 0 && doy_raw[digits_len..].iter().all(|c| c.is_ascii_alphabetic()) {
        warnings.push(format!("leg {leg_no}: date of flight not padded; fields realigned"));
        r.pos -= 3 - digits_len;
        doy_text[..digits_len].parse().unwrap_or(0)
    } else {
        0
    };
    if !(1..=366).contains(&day_of_year) {
        return Err(field_err(at, "date of flight", doy_raw, "expected a day of the year, 1-366"));
    }

    let at = r.pos;
    let comp_raw = r.take(1, "compartment code")?;
    // Blank on real passes (Air Canada, easyJet): read, with a warning;
    // anything else that is not a letter is still refused.
    let compartment = match char::from(comp_raw[0]) {
        ' ' => {
            warnings.push(format!("leg {leg_no}: compartment is blank"));
            None
        }
        c if c.is_ascii_uppercase() => Some(c),
        c if c.is_ascii_lowercase() => {
            warnings.push(format!(
                "leg {leg_no}: compartment {c:?} in lower case, read as {:?}",
                c.to_ascii_uppercase()
            ));
            Some(c.to_ascii_uppercase())
        }
        _ => return Err(field_err(at, "compartment code", comp_raw, "expected a letter or a blank")),
    };

    let seat = opt_text(r.take(4, "seat number")?).map(|s| s.to_ascii_uppercase());
    if seat.is_none() {
        warnings.push(format!("leg {leg_no}: seat is blank"));
    }

    let at = r.pos;
    let seq_raw = r.take(5, "check-in sequence number")?;
    let seq_text = text(seq_raw);
    let seq_trim = seq_text.trim();
    let (check_in_sequence, check_in_sequence_suffix) = if seq_trim.is_empty() {
        warnings.push(format!("leg {leg_no}: check-in sequence is blank"));
        (None, None)
    } else {
        let digits: String = seq_trim.chars().take_while(char::is_ascii_digit).collect();
        let rest = &seq_trim[digits.len()..];
        let suffix = match rest.len() {
            0 => None,
            1 if rest.chars().all(|c| c.is_ascii_alphabetic()) => rest.chars().next(),
            _ => {
                return Err(field_err(
                    at,
                    "check-in sequence number",
                    seq_raw,
                    "expected digits and a letter",
                ));
            }
        };
        (digits.parse().ok(), suffix)
    };

    let at = r.pos;
    let status_raw = r.take(1, "passenger status")?;
    // Resolution 792's codes are digits and letters; a blank is read (with
    // a warning), anything else refused, as `encode` would refuse to write it.
    let passenger_status = match char::from(status_raw[0]) {
        ' ' => {
            warnings.push(format!("leg {leg_no}: passenger status is blank"));
            None
        }
        c if c.is_ascii_alphanumeric() => Some(c),
        _ => {
            return Err(field_err(
                at,
                "passenger status",
                status_raw,
                "expected a digit, a letter or a blank",
            ));
        }
    };

    let at = r.pos;
    let size_raw = r.take(2, "conditional data size")?;
    let declared = match hex2(size_raw) {
        Some(n) => n,
        None => {
            warnings.push(format!(
                "leg {leg_no}: unreadable conditional size {:?} at offset {at}; conditional data skipped",
                text(size_raw)
            ));
            0
        }
    };
    let mut end = r.pos + declared;
    if end > r.b.len() {
        warnings.push(format!(
            "leg {leg_no}: conditional data declared {declared} characters, {} present",
            r.remaining()
        ));
        end = r.b.len();
    }

    let mut leg = Leg::mandatory(&pnr, &from, &to, &carrier, &flight_number, day_of_year, 'Y');
    leg.compartment = compartment;
    leg.seat = seat;
    leg.check_in_sequence = check_in_sequence;
    leg.check_in_sequence_suffix = check_in_sequence_suffix;
    leg.passenger_status = passenger_status;

    if index == 0 && r.pos < end {
        if r.peek() == Some(b'>') {
            r.pos += 1;
            parse_unique(r, end, pass, warnings);
        } else {
            warnings.push("conditional data lacks its '>' version marker".to_owned());
        }
    }
    if r.pos < end {
        parse_repeated(r, end, &mut leg, leg_no, warnings);
    }
    if r.pos < end {
        leg.airline_data = Some(text(&r.b[r.pos..end]));
    }
    r.pos = end;
    Ok(leg)
}

fn parse_unique(r: &mut Reader<'_>, end: usize, pass: &mut BoardingPass, warnings: &mut Vec<String>) {
    let version = r.take_upto(1, end);
    pass.version = match version.first() {
        Some(c @ b'1'..=b'8') => Some(c - b'0'),
        Some(c) => {
            warnings.push(format!("unknown version {:?}", char::from(*c)));
            None
        }
        None => None,
    };
    let size_at = r.pos;
    let size_raw = r.take_upto(2, end);
    let Some(size) = hex2(size_raw) else {
        warnings.push(format!("unreadable unique conditional size at offset {size_at}"));
        return;
    };
    let unique_end = (r.pos + size).min(end);
    if r.pos + size > end {
        warnings.push("unique conditional data runs past its leg's block".to_owned());
    }
    pass.passenger_description = opt_char(r.take_upto(1, unique_end));
    pass.check_in_source = opt_char(r.take_upto(1, unique_end));
    pass.boarding_pass_source = opt_char(r.take_upto(1, unique_end));
    let date = r.take_upto(4, unique_end);
    pass.issue_date = parse_issue_date(date);
    if pass.issue_date.is_none() && date.iter().any(|c| !c.is_ascii_whitespace()) {
        warnings.push(format!("unreadable date of issue {:?}", text(date)));
    }
    pass.document_type = opt_char(r.take_upto(1, unique_end));
    pass.issuer = opt_text(r.take_upto(3, unique_end));
    while r.pos < unique_end && pass.baggage_tags.len() < 3 {
        if let Some(tag) = opt_text(r.take_upto(13, unique_end)) {
            pass.baggage_tags.push(tag);
        }
    }
    r.pos = unique_end;
}

fn parse_issue_date(b: &[u8]) -> Option<IssueDate> {
    if b.len() != 4 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let day: u16 = text(&b[1..]).parse().ok()?;
    (1..=366).contains(&day).then_some(IssueDate { year_digit: b[0] - b'0', day_of_year: day })
}

fn parse_repeated(r: &mut Reader<'_>, end: usize, leg: &mut Leg, leg_no: usize, warnings: &mut Vec<String>) {
    let size_at = r.pos;
    let size_raw = r.take_upto(2, end);
    let Some(size) = hex2(size_raw) else {
        warnings.push(format!("leg {leg_no}: unreadable repeated conditional size at offset {size_at}"));
        r.pos = size_at;
        return;
    };
    let rep_end = (r.pos + size).min(end);
    if r.pos + size > end {
        warnings.push(format!("leg {leg_no}: repeated conditional data is truncated"));
    }
    leg.airline_numeric_code = opt_text(r.take_upto(3, rep_end));
    leg.document_serial = opt_text(r.take_upto(10, rep_end));
    leg.selectee = opt_char(r.take_upto(1, rep_end));
    leg.international_document_verification = opt_char(r.take_upto(1, rep_end));
    leg.marketing_carrier = opt_text(r.take_upto(3, rep_end));
    // FF airline: 3 characters, but some issuers write 2 and start the number
    // right after: "AC1234567890123" rather than "AC 1234567890123".
    let ff_at = r.pos;
    let ff = r.take_upto(3, rep_end);
    let two_char_carrier = |code: &str| code.len() == 2 && ff.starts_with(code.as_bytes());
    let glued = ff.len() == 3
        && ff[..2].iter().all(u8::is_ascii_alphanumeric)
        && (ff[2].is_ascii_digit()
            || (ff[2] != b' '
                && (leg.marketing_carrier.as_deref().is_some_and(two_char_carrier)
                    || two_char_carrier(&leg.operating_carrier))));
    if glued {
        warnings.push(format!("leg {leg_no}: 2-character frequent-flyer airline; fields realigned"));
        r.pos = ff_at + 2;
        leg.frequent_flyer_airline = opt_text(&ff[..2]);
        // The issuer lost one character of width: the number keeps 16, the
        // rest of the section ends one earlier.
        leg.frequent_flyer_number = opt_text(r.take_upto(16, rep_end));
    } else {
        leg.frequent_flyer_airline = opt_text(ff);
        leg.frequent_flyer_number = opt_text(r.take_upto(16, rep_end));
    }
    leg.id_ad = opt_char(r.take_upto(1, rep_end));
    leg.free_baggage = opt_text(r.take_upto(3, rep_end));
    leg.fast_track = opt_char(r.take_upto(1, rep_end));
    r.pos = rep_end;
}

#[cfg(test)]
mod tests;
