//! Boarding passes carry a day of the year, not a date. These turn it into
//! one, given a reference date from the caller (never the clock).

use chrono::{Datelike, NaiveDate};

use crate::IssueDate;

/// The date of issue: the latest year ending in `year_digit` that puts the
/// date on or before `reference` (a pass is not issued in the future).
pub fn resolve_issue_date(issue: IssueDate, reference: NaiveDate) -> Option<NaiveDate> {
    let ry = reference.year();
    let back = (ry - issue.year_digit as i32).rem_euclid(10);
    let mut year = ry - back;
    for _ in 0..2 {
        if let Some(d) = NaiveDate::from_yo_opt(year, issue.day_of_year as u32)
            && d <= reference
        {
            return Some(d);
        }
        year -= 10;
    }
    None
}

/// The flight date for a day of the year: with an issue date, the first
/// matching date on or after it; otherwise the matching date nearest to
/// `reference`, the earlier one on a tie.
pub fn resolve_flight_date(
    day_of_year: u16,
    issued: Option<NaiveDate>,
    reference: NaiveDate,
) -> Option<NaiveDate> {
    let day = day_of_year as u32;
    if let Some(issued) = issued {
        // Day 366 may need a few years to find a leap year.
        return (issued.year()..=issued.year() + 4)
            .filter_map(|y| NaiveDate::from_yo_opt(y, day))
            .find(|d| *d >= issued);
    }
    (reference.year() - 1..=reference.year() + 1)
        .filter_map(|y| NaiveDate::from_yo_opt(y, day))
        .min_by_key(|d| ((*d - reference).num_days().abs(), *d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn nearest_to_reference_without_issue_date() {
        // Day 326 is 22 November in 2026.
        assert_eq!(resolve_flight_date(326, None, d(2026, 11, 22)), Some(d(2026, 11, 22)));
        // Day 5 seen on 30 December is next January.
        assert_eq!(resolve_flight_date(5, None, d(2026, 12, 30)), Some(d(2027, 1, 5)));
        // Day 360 seen on 3 January is last December.
        assert_eq!(resolve_flight_date(360, None, d(2027, 1, 3)), Some(d(2026, 12, 26)));
        // Day 366 exists only in leap years.
        assert_eq!(resolve_flight_date(366, None, d(2028, 6, 1)), Some(d(2028, 12, 31)));
        assert_eq!(resolve_flight_date(366, None, d(2026, 6, 1)), None);
    }

    #[test]
    fn tie_goes_to_the_earlier_date() {
        // 2026-07-02 is 182 days after 2026-01-01 and 183 days before 2027-01-01:
        // pick a reference exactly between two day-1 dates.
        let reference = d(2026, 7, 2); // 2026-01-01 + 182 d; 2027-01-01 - 183 d
        assert_eq!(resolve_flight_date(1, None, reference), Some(d(2026, 1, 1)));
        let reference = d(2026, 7, 3); // 183 d after, 182 d before
        assert_eq!(resolve_flight_date(1, None, reference), Some(d(2027, 1, 1)));
        // Exactly equal distance: 2025-07-02 is 182 d from 2025-01-01 and 183 from 2026-01-01;
        // 2024-07-02 (leap) is 183 d from 2024-01-01 and 183 d from 2025-01-01.
        assert_eq!(resolve_flight_date(1, None, d(2024, 7, 2)), Some(d(2024, 1, 1)));
    }

    #[test]
    fn first_match_on_or_after_issue() {
        let issued = resolve_issue_date(IssueDate { year_digit: 6, day_of_year: 325 }, d(2026, 11, 22));
        assert_eq!(issued, Some(d(2026, 11, 21)));
        assert_eq!(resolve_flight_date(326, issued, d(2030, 1, 1)), Some(d(2026, 11, 22)));
        // Issued in December for a January flight.
        let issued = Some(d(2026, 12, 20));
        assert_eq!(resolve_flight_date(10, issued, d(2026, 12, 20)), Some(d(2027, 1, 10)));
        // Same day counts.
        assert_eq!(resolve_flight_date(354, issued, d(2026, 12, 20)), Some(d(2026, 12, 20)));
    }

    #[test]
    fn issue_year_is_the_latest_not_in_the_future() {
        let r = d(2026, 3, 1);
        assert_eq!(resolve_issue_date(IssueDate { year_digit: 6, day_of_year: 10 }, r), Some(d(2026, 1, 10)));
        // Day 200 of a year ending in 6 is after 1 March 2026: 2016.
        assert_eq!(
            resolve_issue_date(IssueDate { year_digit: 6, day_of_year: 200 }, r),
            Some(d(2016, 7, 18))
        );
        assert_eq!(
            resolve_issue_date(IssueDate { year_digit: 5, day_of_year: 365 }, r),
            Some(d(2025, 12, 31))
        );
    }
}
