//! Voucher ids bound to their device.
//!
//! A voucher id is a UUIDv7 whose last 48 bits are the issuing device's id's
//! last 48 bits (central's id for it, given at enrolment). Central then
//! knows an id is the pushing device's own without looking it up, and
//! refuses an `issued` event naming an id bound to another device, so no
//! index over every voucher id is kept to make ids one device's. The id
//! keeps its 48-bit time; its other 26 bits are the device's counter within
//! the millisecond, so ids are unique on a device.
//!
//! Ids made before a device was enrolled, or by older software, are bound
//! to no device ("unbound"): central checks those against a partial index
//! that holds only them.

use uuid::Uuid;

/// The bytes of a UUID that bind a voucher id to a device.
const BOUND: std::ops::Range<usize> = 10..16;

/// How many voucher ids a device can make in one millisecond.
pub const PER_MILLISECOND: u32 = 1 << 26;

/// The voucher id a device makes at `unix_ms` with `counter` (distinct for
/// each id it makes in that millisecond, below [`PER_MILLISECOND`]): a
/// UUIDv7 of that time, the counter in its 26 free bits, bound to `device`.
pub fn bound_voucher_id(unix_ms: u64, counter: u32, device: Uuid) -> Uuid {
    let mut bytes = [0u8; 16];
    bytes[..6].copy_from_slice(&unix_ms.to_be_bytes()[2..]);
    let c = counter % PER_MILLISECOND;
    bytes[6] = 0x70 | ((c >> 22) & 0x0f) as u8;
    bytes[7] = (c >> 14) as u8;
    bytes[8] = 0x80 | ((c >> 8) & 0x3f) as u8;
    bytes[9] = c as u8;
    bytes[BOUND].copy_from_slice(&device.as_bytes()[BOUND]);
    Uuid::from_bytes(bytes)
}

/// Whether `voucher_id` is bound to `device`, read as central's databases
/// read it (a review found the two readings disagreeing): a UUID in its
/// hyphenated spelling whose last 12 characters are the device id's, so an
/// id in another spelling (braces, no hyphens, upper-case letters there)
/// counts as bound to no device and is kept one device's by their index.
pub fn is_bound_to(voucher_id: &str, device: Uuid) -> bool {
    let mut spelled = Uuid::encode_buffer();
    let device = device.hyphenated().encode_lower(&mut spelled);
    voucher_id.len() == 36 && voucher_id.get(24..) == device.get(24..) && Uuid::parse_str(voucher_id).is_ok()
}

/// The binding as central's databases compare it: the last 12 hex digits
/// of the id's text (None for a voucher id that is not a UUID).
pub fn binding(voucher_id: &str) -> Option<String> {
    Uuid::parse_str(voucher_id).ok().map(|v| v.hyphenated().to_string()[24..].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bound_id_is_a_uuidv7_of_its_device_only() {
        let device = Uuid::now_v7();
        let other = Uuid::now_v7();
        let ms = 1_796_000_000_123;
        let id = bound_voucher_id(ms, 5, device);
        assert_eq!(id.get_version_num(), 7);
        assert_eq!(id.get_variant(), uuid::Variant::RFC4122);
        let (secs, nanos) = id.get_timestamp().unwrap().to_unix();
        assert_eq!(secs * 1000 + u64::from(nanos) / 1_000_000, ms);
        assert!(is_bound_to(&id.to_string(), device));
        assert!(!is_bound_to(&id.to_string(), other));
        assert!(!is_bound_to("V-REMOTE", device));
        assert!(!is_bound_to(&id.simple().to_string(), device));
        assert!(!is_bound_to(&id.braced().to_string(), device));
        // Upper case where the binding has letters is another text, as the
        // databases compare it; where it has digits only, it is the same.
        let lettered = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_00ab);
        let digits = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0012);
        for (device, bound) in [(lettered, false), (digits, true)] {
            let upper = bound_voucher_id(ms, 5, device).to_string().to_uppercase();
            assert_eq!(is_bound_to(&upper, device), bound, "{upper}");
            assert_eq!(binding(&upper).as_deref() == upper.get(24..), bound, "as SQL compares: {upper}");
        }
        assert_eq!(binding(&id.to_string()), Some(device.to_string()[24..].to_owned()));
        assert_eq!(binding("not-a-uuid"), None);
        // Every counter value in one millisecond gives its own id, in order.
        let ids: Vec<Uuid> = (0..10_000).map(|n| bound_voucher_id(ms, n * 6_000, device)).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }
}
