use proptest::prelude::*;

use super::*;
use crate::encode;

const ASKREN: &str = "M1ASKREN/TEST         EA272SL ORDNRTUA 0881 007F002K0303 15C>3180 K6007BUA              2901624760758980 UA UA EY975897            *30600    09  UAG    ";
const MINIMAL: &str = "M1DESMARAIS/LUC       EABC123 YULFRAAC 0834 326J001A0025 100";

fn ok(s: &str) -> Parsed {
    parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

fn warned(p: &Parsed, needle: &str) -> bool {
    p.warnings.iter().any(|w| w.contains(needle))
}

#[test]
fn reads_a_full_single_leg_pass() {
    let p = ok(ASKREN);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    let leg = &p.pass.legs[0];
    assert_eq!((p.pass.surname.as_str(), p.pass.given_names.as_str()), ("ASKREN", "TEST"));
    assert!(p.pass.electronic_ticket);
    assert_eq!(p.pass.version, Some(3));
    assert_eq!(p.pass.issue_date, Some(IssueDate { year_digit: 6, day_of_year: 7 }));
    assert_eq!(leg.flight_number, "881");
    assert_eq!(leg.seat.as_deref(), Some("002K"));
    assert_eq!(leg.check_in_sequence, Some(303));
    assert_eq!(leg.airline_numeric_code.as_deref(), Some("016"));
    assert_eq!(leg.document_serial.as_deref(), Some("2476075898"));
    assert_eq!(leg.frequent_flyer_airline.as_deref(), Some("UA"));
    assert_eq!(leg.frequent_flyer_number.as_deref(), Some("EY975897"));
    assert_eq!(leg.airline_data.as_deref(), Some("*30600    09  UAG    "));
}

#[test]
fn a_pass_without_conditional_data_is_fine() {
    let p = ok(MINIMAL);
    assert_eq!(p.pass.version, None);
    assert_eq!(p.pass.legs[0].check_in_sequence, Some(25));
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn blank_e_ticket_indicator_is_a_warning() {
    let s = MINIMAL.replacen("       EABC", "        ABC", 1);
    let p = ok(&s);
    assert!(!p.pass.electronic_ticket);
    assert!(warned(&p, "electronic-ticket"));
}

#[test]
fn absent_e_ticket_indicator_realigns() {
    // The 'E' dropped entirely: everything after the name moves left by one.
    let s = MINIMAL.replacen("       EABC123 ", "       ABC123 ", 1);
    let p = ok(&s);
    assert!(!p.pass.electronic_ticket);
    assert_eq!(p.pass.legs[0].pnr, "ABC123");
    assert_eq!(p.pass.legs[0].from, "YUL");
    assert!(warned(&p, "realigned"));
}

#[test]
fn lower_case_names_are_upper_cased() {
    let p = ok(&MINIMAL.replacen("DESMARAIS/LUC", "desmarais/luc", 1));
    assert_eq!(p.pass.surname, "DESMARAIS");
    assert_eq!(p.pass.given_names, "LUC");
    assert!(warned(&p, "lower case"));
}

#[test]
fn names_cut_at_twenty_characters_warn() {
    let s = "M1ACKERMANN/JUSTIN DAVEJPYKJI SINNRTJL 0712 336Y025C0231 300";
    let p = ok(s);
    assert_eq!(p.pass.given_names, "JUSTIN DAV");
    assert!(warned(&p, "may be cut"));
}

#[test]
fn blank_seat_and_sequence_are_null() {
    let s = MINIMAL.replacen("J001A0025 1", "J         1", 1);
    let p = ok(&s);
    assert_eq!(p.pass.legs[0].seat, None);
    assert_eq!(p.pass.legs[0].check_in_sequence, None);
    assert!(warned(&p, "seat is blank"));
}

#[test]
fn sequence_suffix_letter_is_kept_apart() {
    let p = ok(&MINIMAL.replacen("0025 1", "0025A1", 1));
    assert_eq!(p.pass.legs[0].check_in_sequence, Some(25));
    assert_eq!(p.pass.legs[0].check_in_sequence_suffix, Some('A'));
}

#[test]
fn unpadded_dates_are_read() {
    let p = ok(&MINIMAL.replacen("0834 326J", "0834 34 J", 1));
    assert_eq!(p.pass.legs[0].day_of_year, 34);
    assert!(warned(&p, "not zero-padded"));
    // An unpadded date that shifts the following fields.
    let p = ok(&MINIMAL.replacen("0834 326J001A", "0834 34J001A", 1).replacen(" 100", "  100", 0));
    assert_eq!(p.pass.legs[0].day_of_year, 34);
    assert_eq!(p.pass.legs[0].compartment, Some('J'));
    assert_eq!(p.pass.legs[0].seat.as_deref(), Some("001A"));
}

#[test]
fn truncated_conditional_block_keeps_mandatory_data() {
    let cut = &ASKREN[..ASKREN.len() - 60];
    let p = ok(cut);
    assert_eq!(p.pass.legs[0].pnr, "A272SL");
    assert_eq!(p.pass.version, Some(3));
    assert!(warned(&p, "declared"), "{:?}", p.warnings);
}

#[test]
fn group_separator_between_legs_is_dropped() {
    let two = "M2DESMARAIS/LUC       EABC123 YULFRAAC 0834 226F001A0025 100\u{1d}DEF456 FRAGVALH 3664 227C012C0002 100";
    let p = ok(two);
    assert_eq!(p.pass.legs.len(), 2);
    assert_eq!(p.pass.legs[1].to, "GVA");
    assert!(warned(&p, "group separator"));
}

#[test]
fn two_character_frequent_flyer_airline_realigns() {
    let s = "M1ASKREN/TEST         EA272SL ORDNRTUA 0881 007F002K0303 15C>3180 K6007BUA              2901624760758980 UA UAEY975897             *30600    09  UAG    ";
    let p = ok(s);
    assert_eq!(p.pass.legs[0].frequent_flyer_airline.as_deref(), Some("UA"));
    assert_eq!(p.pass.legs[0].frequent_flyer_number.as_deref(), Some("EY975897"));
    assert!(warned(&p, "2-character"));
}

#[test]
fn easyjet_style_passes_parse() {
    // 7 significant PNR characters, a 3-letter carrier, an unpadded date.
    let s = "M1SMITH/JANE          EK7QX2M9LGWCDGEZY8123 45 Y012A0007 100";
    let p = ok(s);
    let leg = &p.pass.legs[0];
    assert_eq!(leg.pnr, "K7QX2M9");
    assert_eq!(leg.operating_carrier, "EZY");
    assert_eq!(leg.flight_number, "8123");
    assert_eq!(leg.day_of_year, 45);
}

#[test]
fn flight_number_keeps_its_suffix() {
    let p = ok(&MINIMAL.replacen("0834 ", "0834A", 1));
    assert_eq!(p.pass.legs[0].flight_number, "834A");
}

#[test]
fn errors_name_offset_and_field() {
    assert_eq!(parse(""), Err(ParseError::Empty));
    assert_eq!(parse("\r\n"), Err(ParseError::Empty));
    assert!(matches!(parse("X1FOO"), Err(ParseError::FormatCode { .. })));
    assert!(matches!(parse("M5FOO"), Err(ParseError::Field { offset: 1, field: "number of legs", .. })));
    let e = parse(&MINIMAL[..40]).unwrap_err();
    assert!(matches!(e, ParseError::Truncated { offset: 40, .. }), "{e}");
    let e = parse(&MINIMAL.replacen("YULFRA", "YU1FRA", 1)).unwrap_err();
    assert!(matches!(e, ParseError::Field { offset: 30, field: "from airport", .. }), "{e}");
    let e = parse(&MINIMAL.replacen("326J", "999J", 1)).unwrap_err();
    assert!(matches!(e, ParseError::Field { field: "date of flight", .. }), "{e}");
    assert_eq!(e.code(), "bcbp.field");
    // A second leg promised but missing.
    let e = parse(&MINIMAL.replacen("M1", "M2", 1)).unwrap_err();
    assert!(matches!(e, ParseError::Truncated { field: "PNR", .. }), "{e}");
}

/// Real passes leave the compartment (and the passenger status) blank:
/// standby, infants, carriers without compartments. These two are our own,
/// in the shapes an Air Canada pass (blank compartment and seat) and an
/// easyJet pass (blank compartment) take.
const AC_BLANK: &str = "M1TREMBLAY/JULIE      EQX7T2M YVRYYZAC 0008 340     0012 100";
const EASYJET_BLANK: &str = "M1SMITH/ANNA          EK4ZP9Q LGNBCNU2 8025 341 021F0045 100";

#[test]
fn a_blank_compartment_and_status_are_read_with_warnings() {
    let p = ok(AC_BLANK);
    let leg = &p.pass.legs[0];
    assert_eq!((leg.compartment, leg.seat.as_deref()), (None, None));
    assert_eq!((leg.flight_number.as_str(), leg.check_in_sequence), ("8", Some(12)));
    assert!(warned(&p, "compartment is blank") && warned(&p, "seat is blank"), "{:?}", p.warnings);
    let p = ok(EASYJET_BLANK);
    let leg = &p.pass.legs[0];
    assert_eq!((leg.compartment, leg.seat.as_deref()), (None, Some("021F")));
    assert_eq!(leg.passenger_status, Some('1'));
    assert!(warned(&p, "compartment is blank"));
    let p = ok(&MINIMAL.replacen("0025 1", "0025  ", 1));
    assert_eq!(p.pass.legs[0].passenger_status, None);
    assert!(warned(&p, "passenger status is blank"));
    // They encode back as blanks and their legs read the same (the encoder
    // writes a version block the originals lack).
    for s in [AC_BLANK, EASYJET_BLANK] {
        let again = encode::encode(&ok(s).pass).unwrap();
        assert_eq!(ok(&again).pass.legs, ok(s).pass.legs, "{again:?}");
    }
}

#[test]
fn hostile_compartments_are_still_refused() {
    for bad in ["1", "*", "\u{7f}", "-"] {
        let s = MINIMAL.replacen("326J", &format!("326{bad}"), 1);
        let e = parse(&s).unwrap_err();
        assert!(matches!(e, ParseError::Field { field: "compartment code", .. }), "{bad:?}: {e}");
    }
}

#[test]
fn a_passenger_status_is_a_digit_a_letter_or_blank() {
    for bad in ["!", "\t", "\u{0}", "~"] {
        let s = MINIMAL.replacen("0025 1", &format!("0025 {bad}"), 1);
        let e = parse(&s).unwrap_err();
        assert!(matches!(e, ParseError::Field { field: "passenger status", .. }), "{bad:?}: {e}");
    }
    let p = ok(&MINIMAL.replacen("0025 1", "0025 Z", 1));
    assert_eq!(p.pass.legs[0].passenger_status, Some('Z'));
    // A compartment in lower case is read as its letter, and said so.
    let p = ok(&MINIMAL.replacen("326J", "326j", 1));
    assert_eq!(p.pass.legs[0].compartment, Some('J'));
    assert!(warned(&p, "compartment 'j' in lower case"), "{:?}", p.warnings);
}

#[test]
fn security_section_is_read() {
    let s = "M1DESMARAIS/LUC       EAB12C3 YULFRAAC 0834 326J003A0027 167>5321WW1325BAC 0014123456002001412346700100141234789012A0141234567890 1AC AC 1234567890123    4PCYLX58Z^108ABCDEFGH";
    let p = ok(s);
    assert_eq!(p.pass.security, Some(Security { kind: '1', data: "ABCDEFGH".into() }));
    assert_eq!(p.pass.baggage_tags.len(), 3);
    assert_eq!(p.pass.legs[0].frequent_flyer_number.as_deref(), Some("1234567890123"));
}

// ---- property tests ----

fn ascii_word(min: usize, max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(prop::sample::select(b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789".to_vec()), min..=max)
        .prop_map(|v| String::from_utf8(v).unwrap_or_default())
}

fn letters(n: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(prop::sample::select(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ".to_vec()), n)
        .prop_map(|v| String::from_utf8(v).unwrap_or_default())
}

fn opt_c() -> impl Strategy<Value = Option<char>> {
    prop::option::of(prop::sample::select(b"0123456789ABCDEFWXYZ".to_vec()).prop_map(char::from))
}

prop_compose! {
    fn leg()(
        pnr in ascii_word(5, 7),
        from in letters(3),
        to in letters(3),
        carrier in prop_oneof![letters(2), letters(3)],
        number in 1u16..=9999,
        suffix in prop::option::of(prop::sample::select(b"ABCD".to_vec()).prop_map(char::from)),
        doy in 1u16..=366,
        compartment in prop::option::of(prop::sample::select(b"FJCWYM".to_vec()).prop_map(char::from)),
        status in prop::option::of(prop::sample::select(b"0123456789A".to_vec()).prop_map(char::from)),
        seat in prop::option::of((1u16..=99, prop::sample::select(b"ABCDEFGHJK".to_vec())).prop_map(|(r, c)| format!("{r:03}{}", c as char))),
        seq in prop::option::of(0u32..=9999),
        seq_suffix in prop::option::of(prop::sample::select(b"AB".to_vec()).prop_map(char::from)),
        ff in prop::option::of((letters(2), ascii_word(6, 16))),
        serial in prop::option::of(ascii_word(10, 10)),
        fast_track in opt_c(),
        airline_data in prop::option::of(ascii_word(1, 30)),
    ) -> Leg {
        let mut l = Leg::mandatory(&pnr, &from, &to, &carrier, &match suffix {
            Some(s) => format!("{number}{s}"),
            None => number.to_string(),
        }, doy, 'Y');
        l.compartment = compartment;
        l.passenger_status = status;
        l.seat = seat;
        l.check_in_sequence = seq;
        l.check_in_sequence_suffix = seq.and(seq_suffix);
        l.document_serial = serial;
        l.airline_numeric_code = Some("784".into());
        if let Some((a, n)) = ff {
            l.frequent_flyer_airline = Some(a);
            l.frequent_flyer_number = Some(n);
        }
        l.fast_track = fast_track;
        l.airline_data = airline_data;
        l
    }
}

prop_compose! {
    fn pass()(
        surname in letters(1).prop_flat_map(|_| ascii_word(1, 10)).prop_map(|s| format!("X{s}")),
        given in prop::option::of(letters(1).prop_flat_map(|_| letters(5))),
        e in any::<bool>(),
        version in 1u8..=8,
        desc in opt_c(),
        issue in prop::option::of((0u8..=9, 1u16..=366)),
        legs in proptest::collection::vec(leg(), 1..=4),
        sec in prop::option::of(ascii_word(1, 60)),
    ) -> BoardingPass {
        BoardingPass {
            surname,
            given_names: given.unwrap_or_default(),
            electronic_ticket: e,
            version: Some(version),
            passenger_description: desc,
            check_in_source: None,
            boarding_pass_source: None,
            issue_date: issue.map(|(y, d)| IssueDate { year_digit: y, day_of_year: d }),
            document_type: Some('B'),
            issuer: None,
            baggage_tags: vec![],
            legs,
            security: sec.map(|data| Security { kind: '1', data }),
        }
    }
}

fn cases() -> u32 {
    gatecare_testkit::sized(1_000, 20_000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn any_valid_pass_round_trips(p in pass()) {
        let text = encode(&p).unwrap();
        let parsed = parse(&text).unwrap();
        prop_assert_eq!(&parsed.pass, &p);
        if p.electronic_ticket {
            prop_assert!(parsed.warnings.iter().all(|w| !w.contains("realigned")), "{:?}", parsed.warnings);
        }
    }

    #[test]
    fn any_bytes_parse_or_error_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let s = String::from_utf8_lossy(&bytes);
        let _ = parse(&s);
    }

    #[test]
    fn mutated_valid_passes_never_panic(p in pass(), at in any::<prop::sample::Index>(), b in any::<u8>(), cut in any::<prop::sample::Index>()) {
        let mut bytes = encode(&p).unwrap().into_bytes();
        let i = at.index(bytes.len());
        bytes[i] = b;
        let n = cut.index(bytes.len() + 1);
        bytes.truncate(n.max(i));
        let _ = parse(&String::from_utf8_lossy(&bytes));
    }
}
