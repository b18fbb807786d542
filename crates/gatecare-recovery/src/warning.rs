//! Early warning (seed 002: British Airways' complaint database): cases
//! counted by category, station and flight per local day, with an alert
//! where one of them reaches the policy's threshold in a day.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::case::{Category, Opened};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Category,
    Station,
    Flight,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Count {
    pub key: String,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DayCount {
    pub day: NaiveDate,
    pub total: u32,
    /// Every category, in the fixed order, zeros included.
    pub by_category: Vec<Count>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Alert {
    pub day: NaiveDate,
    pub dimension: Dimension,
    pub key: String,
    pub count: u32,
    pub threshold: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EarlyWarning {
    /// Local days, inclusive.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub threshold: u32,
    pub total: u32,
    pub by_category: Vec<Count>,
    /// Busiest first.
    pub by_station: Vec<Count>,
    pub by_flight: Vec<Count>,
    pub by_day: Vec<DayCount>,
    pub alerts: Vec<Alert>,
}

/// The flight as counted: designator and scheduled date.
pub fn flight_key(o: &Opened) -> String {
    format!("{} {}", o.flight, o.flight_date)
}

/// Counts the cases opened on local days `from..=to`; each case's day is
/// taken in its station's time zone (`tz_of`).
pub fn early_warning<'a>(
    cases: impl IntoIterator<Item = &'a Opened>,
    tz_of: impl Fn(&str) -> Tz,
    from: NaiveDate,
    to: NaiveDate,
    threshold: u32,
) -> EarlyWarning {
    let mut per_day: BTreeMap<NaiveDate, Vec<&Opened>> = BTreeMap::new();
    for o in cases {
        let day = o.at.with_timezone(&tz_of(&o.station)).date_naive();
        if day >= from && day <= to {
            per_day.entry(day).or_default().push(o);
        }
    }
    let all: Vec<&Opened> = per_day.values().flatten().copied().collect();
    let mut by_day = Vec::new();
    let mut alerts = Vec::new();
    let mut day = from;
    while day <= to {
        let cases = per_day.get(&day).map(Vec::as_slice).unwrap_or_default();
        for (dimension, counts) in [
            (Dimension::Category, categories(cases)),
            (Dimension::Station, tally(cases, |o| o.station.clone())),
            (Dimension::Flight, tally(cases, flight_key)),
        ] {
            alerts.extend(counts.into_iter().filter(|c| c.count >= threshold).map(|c| Alert {
                day,
                dimension,
                key: c.key,
                count: c.count,
                threshold,
            }));
        }
        by_day.push(DayCount { day, total: cases.len() as u32, by_category: categories(cases) });
        let Some(next) = day.succ_opt() else { break };
        day = next;
    }
    EarlyWarning {
        from,
        to,
        threshold,
        total: all.len() as u32,
        by_category: categories(&all),
        by_station: tally(&all, |o| o.station.clone()),
        by_flight: tally(&all, flight_key),
        by_day,
        alerts,
    }
}

fn categories(cases: &[&Opened]) -> Vec<Count> {
    Category::ALL
        .into_iter()
        .map(|c| Count {
            key: c.as_str().to_owned(),
            count: cases.iter().filter(|o| o.category == c).count() as u32,
        })
        .collect()
}

fn tally(cases: &[&Opened], key: impl Fn(&Opened) -> String) -> Vec<Count> {
    let mut m: BTreeMap<String, u32> = BTreeMap::new();
    for o in cases {
        *m.entry(key(o)).or_default() += 1;
    }
    let mut v: Vec<Count> = m.into_iter().map(|(key, count)| Count { key, count }).collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    v
}
