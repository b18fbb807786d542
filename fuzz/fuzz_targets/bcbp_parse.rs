//! Any bytes: the parser returns a pass or an error, never panics; and what
//! it accepts re-encodes (where encodable) to text it parses the same way.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(parsed) = gatecare_bcbp::parse(&text)
        && let Ok(again) = gatecare_bcbp::encode(&parsed.pass)
    {
        let reparsed = gatecare_bcbp::parse(&again).expect("an encoded pass parses");
        assert_eq!(reparsed.pass.legs.len(), parsed.pass.legs.len());
        assert_eq!(reparsed.pass.surname, parsed.pass.surname);
    }
});
