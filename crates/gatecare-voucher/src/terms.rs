//! What a voucher says it buys and until when, the same on every device:
//! how long each kind stays good, what a hotel room is (the night with
//! breakfast, or a room until check-out), and the words for each kind.
//! A station's own words (where at that airport a meal is bought) come
//! from the airline policy (`[[vouchers.wording]]`) and replace the
//! general ones here.

use chrono::{DateTime, Duration, Timelike, Utc};
use chrono_tz::Tz;

/// A hotel guest checks out this long before the new departure: the
/// transfer back and two hours at the airport before the flight.
pub const CHECK_OUT_BEFORE_DEPARTURE: Duration = Duration::hours(3);

/// A meal, transport or upgrade voucher stays good this long past the new
/// departure: a late boarding must not strand a passenger without a meal.
pub const GOOD_AFTER_DEPARTURE: Duration = Duration::hours(3);

/// Breakfast is served from this local hour: a check-out before it is a
/// room for part of the night, not "the night, with breakfast".
const BREAKFAST_FROM_HOUR: u32 = 7;

/// Until when a voucher of `kind` is good: a hotel until check-out, in time
/// for the new departure; everything else a few hours past the departure.
/// Never before it was issued.
pub fn valid_until(kind: &str, new_departure: DateTime<Utc>, issued_at: DateTime<Utc>) -> DateTime<Utc> {
    match kind {
        "hotel" => (new_departure - CHECK_OUT_BEFORE_DEPARTURE).max(issued_at),
        _ => new_departure.max(issued_at) + GOOD_AFTER_DEPARTURE,
    }
}

/// Whether a room runs through the night to a check-out after breakfast starts.
pub fn stays_the_night(issued_at: DateTime<Utc>, check_out: DateTime<Utc>, tz: Tz) -> bool {
    check_out.with_timezone(&tz).hour() >= BREAKFAST_FROM_HOUR && check_out - issued_at >= Duration::hours(6)
}

/// What a hotel voucher buys, in English and Chinese: the night with
/// breakfast when the stay runs through the night to a check-out after
/// breakfast starts, else a room until check-out.
pub fn hotel_wording(issued_at: DateTime<Utc>, check_out: DateTime<Utc>, tz: Tz) -> (String, String) {
    let hm = check_out.with_timezone(&tz).format("%H:%M");
    if stays_the_night(issued_at, check_out, tz) {
        (
            format!("One room for the night, with breakfast, and transport both ways. Check out by {hm}."),
            format!("一晚住宿（含早餐）及往返交通。请于 {hm} 前退房。"),
        )
    } else {
        (
            format!(
                "A room until {hm}, and transport both ways. Check out then: the transfer back reaches the airport in time for your flight."
            ),
            format!("客房使用至 {hm}，含往返交通。届时退房，返程交通可及时送您到机场。"),
        )
    }
}

/// The new departure as the voucher prints it, on the airport's clock with
/// its zone: "CZ3102 09:30 Mon 23 Nov (HKT)" (the flight only when the
/// passenger was re-routed onto another).
pub fn departure_text(reroute_flight: Option<&str>, at: DateTime<Utc>, tz: Tz) -> String {
    let local = at.with_timezone(&tz);
    let flight = reroute_flight.map(|f| format!("{f} ")).unwrap_or_default();
    format!("{flight}{} ({})", local.format("%H:%M %a %d %b"), local.format("%Z"))
}

/// When a voucher is good, on the airport's clock with its zone:
/// "22 Nov 21:00 – 23 Nov 00:30 (HKT)".
pub fn validity_text(from: DateTime<Utc>, until: DateTime<Utc>, tz: Tz) -> String {
    let (from, until) = (from.with_timezone(&tz), until.with_timezone(&tz));
    format!("{} – {} ({})", from.format("%d %b %H:%M"), until.format("%d %b %H:%M"), from.format("%Z"))
}

/// What a kind of voucher buys and one useful thing to know (seed 001:
/// useful, not an advert), in English and Chinese.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wording {
    pub buys_en: &'static str,
    pub buys_zh: &'static str,
    pub tip_en: &'static str,
    pub tip_zh: &'static str,
}

/// The general words for `kind`; a hotel's `buys` is [`hotel_wording`]'s.
pub fn wording(kind: &str) -> Wording {
    let (buys_en, buys_zh, tip_en, tip_zh) = match kind {
        "meal" => (
            "One meal and a drink at any food outlet airside.",
            "一餐及一杯饮品，可在禁区内任何餐饮店使用。",
            "Flight updates are announced at your gate at least every 30 minutes; keep this voucher, the next meal is on the same flight record.",
            "登机口至少每 30 分钟广播一次航班动态；请保留本券，下一餐凭同一航班记录领取。",
        ),
        "hotel" => (
            "",
            "",
            "Give the hotel your mobile number: the airline calls the hotel, and you, as soon as the new time is confirmed.",
            "请把手机号码留给酒店：新时间确定后，航空公司会通知酒店和您。",
        ),
        "transport" => (
            "Ground transport between the airport and your hotel or home.",
            "往返机场与酒店或住所的地面交通。",
            "Be back at the airport two hours before the new departure time.",
            "请在新的起飞时间前两小时回到机场。",
        ),
        "upgrade" => (
            "An upgrade to the next cabin on the rebooked flight, subject to the seat shown at the gate.",
            "改签航班升至上一舱位，以登机口确认的座位为准。",
            "Show this voucher at the gate; the upgrade is confirmed when your new boarding pass is printed.",
            "请在登机口出示本凭证；打印新的登机牌即确认升舱。",
        ),
        _ => (
            "Our apology for the disruption, credited as shown.",
            "对航班不正常带来的不便深表歉意，补偿如上。",
            "Miles are credited to your frequent-flyer account within 72 hours.",
            "里程将在 72 小时内存入您的常旅客账户。",
        ),
    };
    Wording { buys_en, buys_zh, tip_en, tip_zh }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn a_room_ends_in_time_for_the_new_departure() {
        let hk: Tz = "Asia/Hong_Kong".parse().unwrap();
        let issued = utc("2026-11-22T13:00:00Z"); // 21:00 in Hong Kong
        // Leaving 01:30 the next night: a room until 22:30, no breakfast.
        let early = utc("2026-11-22T17:30:00Z");
        let until = valid_until("hotel", early, issued);
        assert_eq!(until, utc("2026-11-22T14:30:00Z"));
        let (en, zh) = hotel_wording(issued, until, hk);
        assert!(en.starts_with("A room until 22:30") && !en.contains("breakfast"), "{en}");
        assert!(zh.contains("客房使用至 22:30") && !zh.contains("早餐"), "{zh}");
        assert!(!stays_the_night(issued, until, hk), "no night: the sheet says so, not '1 night'");
        // Leaving 13:30 the next day: the night, with breakfast, out by 10:30.
        let late = utc("2026-11-23T05:30:00Z");
        let until = valid_until("hotel", late, issued);
        assert_eq!(until, utc("2026-11-23T02:30:00Z"));
        let (en, zh) = hotel_wording(issued, until, hk);
        assert!(en.contains("with breakfast") && en.contains("Check out by 10:30"), "{en}");
        assert!(zh.contains("含早餐") && zh.contains("10:30"), "{zh}");
        assert!(stays_the_night(issued, until, hk));
        // Never before it was issued.
        assert_eq!(valid_until("hotel", utc("2026-11-22T14:00:00Z"), issued), issued);
        // Meals keep three hours past the departure.
        assert_eq!(valid_until("meal", early, issued), early + Duration::hours(3));
    }

    #[test]
    fn times_are_printed_on_the_airports_clock() {
        let hk: Tz = "Asia/Hong_Kong".parse().unwrap();
        let at = utc("2026-11-23T01:30:00Z");
        assert_eq!(departure_text(Some("CZ3102"), at, hk), "CZ3102 09:30 Mon 23 Nov (HKT)");
        assert_eq!(departure_text(None, at, hk), "09:30 Mon 23 Nov (HKT)");
        assert_eq!(validity_text(utc("2026-11-22T13:00:00Z"), at, hk), "22 Nov 21:00 – 23 Nov 09:30 (HKT)");
    }

    #[test]
    fn every_kind_has_words_in_both_languages() {
        for kind in ["meal", "transport", "upgrade", "goodwill"] {
            let w = wording(kind);
            assert!(
                !w.buys_en.is_empty()
                    && !w.buys_zh.is_empty()
                    && !w.tip_en.is_empty()
                    && !w.tip_zh.is_empty()
            );
        }
        assert!(!wording("meal").buys_en.contains("Terminal"), "no station's words in the general ones");
    }
}
