//! The airline's redemption report: what a disruption cost. Per flight,
//! every voucher central holds for it (issued, of which voided) and those
//! merchants redeemed, all time; per merchant, what it redeemed in the
//! scope (what the airline pays it) and its redemption conflicts; values
//! per currency, never summed across currencies. A report of days lists
//! the flights of those days (by their date, as on the vouchers: a night's
//! care is its flight's) and what merchants redeemed on those days. Read by `GET /v1/reports/redemptions` with a token from
//! `admin token`, and by `gatecare-central admin redemptions`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use gatecare_core::{Currency, Money};
use gatecare_server_database::{Database, DbError, RedemptionsOf};
use serde::Serialize;

/// Which part of the record a report covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// One flight: its designator and its date, as on its vouchers.
    Flight { flight: String, flight_date: String },
    /// Flights dated `from..=to`, and redemptions on those days, each in
    /// its merchant's local time (as the merchant's own day list files it).
    Days { from: NaiveDate, to: NaiveDate },
}

impl Scope {
    /// `CZ342/2026-11-22`, as an entitlement key begins.
    pub fn flight(text: &str) -> Option<Scope> {
        let (flight, date) = text.trim().split_once('/')?;
        let valid = (3..=8).contains(&flight.len()) && flight.chars().all(|c| c.is_ascii_alphanumeric());
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
        valid.then(|| Scope::Flight { flight: flight.to_ascii_uppercase(), flight_date: date.to_string() })
    }
}

/// A count and a value, in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Amount {
    pub currency: String,
    pub count: i64,
    pub value_minor: i64,
    /// "HKD 240.00", in the currency's own minor digits.
    pub value_text: String,
}

/// Amounts per currency, in currency order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Amounts(Vec<Amount>);

impl Amounts {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn add(&mut self, currency: &str, count: i64, value_minor: i64) {
        match self.0.iter_mut().find(|a| a.currency == currency) {
            Some(a) => {
                a.count += count;
                a.value_minor += value_minor;
            }
            None => self.0.push(Amount {
                currency: currency.into(),
                count,
                value_minor,
                value_text: String::new(),
            }),
        }
    }

    fn finish(mut self) -> Amounts {
        self.0.sort_by(|a, b| a.currency.cmp(&b.currency));
        for a in &mut self.0 {
            a.value_text = match Currency::parse(&a.currency) {
                Ok(c) => Money::new(a.value_minor, c).to_string(),
                Err(_) => format!("{} {}", a.currency, a.value_minor),
            };
        }
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlightLine {
    pub flight: String,
    pub flight_date: String,
    /// Every voucher central holds for the flight, voided ones included.
    pub issued: Amounts,
    /// Of those, the voided.
    pub voided: Amounts,
    /// Redeemed by merchants, whenever.
    pub redeemed: Amounts,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MerchantLine {
    pub merchant: String,
    pub station: String,
    pub redeemed: Amounts,
    pub conflicts: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConflictLine {
    pub voucher_id: String,
    pub serial: Option<String>,
    pub first_merchant: String,
    pub first_at: DateTime<Utc>,
    pub merchant: String,
    pub accepted_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub flights: Vec<FlightLine>,
    pub merchants: Vec<MerchantLine>,
    pub conflicts: Vec<ConflictLine>,
    /// Redemptions stored before central kept what they bought: counted,
    /// of no known value.
    pub redeemed_without_value: usize,
}

pub async fn redemptions<D: Database>(db: &D, scope: &Scope) -> Result<Report, DbError> {
    let (redemptions, conflict_window) = match scope {
        Scope::Flight { flight, flight_date } => {
            let of = RedemptionsOf::Flight { flight, flight_date };
            let redeemed = db.reported_redemptions(of).await?;
            // A conflict's offline acceptance was sent at most 72 hours
            // after it was made, and after the first redemption; a voucher
            // runs at most seven days.
            let times = redeemed.iter().map(|r| r.line.redeemed_at);
            let window = match (times.clone().min(), times.max()) {
                (Some(first), Some(last)) => {
                    (first - chrono::Duration::hours(72), last + chrono::Duration::days(8))
                }
                _ => (DateTime::<Utc>::UNIX_EPOCH, DateTime::<Utc>::UNIX_EPOCH),
            };
            (redeemed, window)
        }
        Scope::Days { from, to } => {
            // Local days lie within a day of UTC's: read those, keep each
            // redemption whose day at its merchant's station is in scope.
            let start = from.and_time(chrono::NaiveTime::MIN).and_utc() - chrono::Duration::days(1);
            let end = to.succ_opt().unwrap_or(*to).and_time(chrono::NaiveTime::MIN).and_utc()
                + chrono::Duration::days(1);
            let mut redeemed =
                db.reported_redemptions(RedemptionsOf::Between { from: start, to: end }).await?;
            redeemed.retain(|r| {
                let day =
                    r.line.redeemed_at.with_timezone(&gatecare_reference::time_zone(&r.station)).date_naive();
                (*from..=*to).contains(&day)
            });
            (redeemed, (start, end))
        }
    };
    let mut flights: BTreeMap<(String, String), FlightLine> = BTreeMap::new();
    match scope {
        Scope::Flight { flight, flight_date } => {
            flights.insert((flight.clone(), flight_date.clone()), flight_line(flight, flight_date));
        }
        Scope::Days { from, to } => {
            for (flight, date) in db.voucher_flights(*from, *to).await? {
                let line = flight_line(&flight, &date);
                flights.insert((flight, date), line);
            }
        }
    }
    let mut merchants: BTreeMap<(String, String), MerchantLine> = BTreeMap::new();
    let mut without_value = 0;
    for r in &redemptions {
        let l = &r.line;
        let merchant =
            merchants.entry((r.station.clone(), r.merchant.clone())).or_insert_with(|| MerchantLine {
                merchant: r.merchant.clone(),
                station: r.station.clone(),
                redeemed: Amounts::default(),
                conflicts: 0,
            });
        let (Some(currency), Some(value), Some(flight), Some(date)) =
            (&l.currency, l.value_minor, &l.flight, &l.flight_date)
        else {
            without_value += 1;
            continue;
        };
        merchant.redeemed.add(currency, 1, value);
        // A flight of other days than the report's: its redemptions show
        // under the merchants who were paid, not as a flight of these days.
        if matches!(scope, Scope::Flight { .. }) {
            flights
                .entry((flight.clone(), date.clone()))
                .or_insert_with(|| flight_line(flight, date))
                .redeemed
                .add(currency, 1, value);
        }
    }
    for ((flight, date), line) in flights.iter_mut() {
        for v in db.flight_vouchers(flight, date).await? {
            line.issued.add(&v.currency, v.count, v.value_minor);
            if v.state == "voided" {
                line.voided.add(&v.currency, v.count, v.value_minor);
            }
        }
        // Redemptions of a flight are its own, whenever they came.
        if matches!(scope, Scope::Days { .. }) {
            let of = RedemptionsOf::Flight { flight, flight_date: date };
            for r in db.reported_redemptions(of).await? {
                if let (Some(currency), Some(value)) = (&r.line.currency, r.line.value_minor) {
                    line.redeemed.add(currency, 1, value);
                }
            }
        }
    }
    let vouchers: std::collections::HashSet<&str> =
        redemptions.iter().map(|r| r.line.voucher_id.as_str()).collect();
    let conflicts: Vec<ConflictLine> = db
        .redemption_conflicts(None, conflict_window.0, conflict_window.1)
        .await?
        .into_iter()
        // A conflict is of the scope when its voucher's redemption is.
        .filter(|c| vouchers.contains(c.voucher_id.as_str()))
        .map(|c| ConflictLine {
            voucher_id: c.voucher_id,
            serial: c.serial,
            first_merchant: c.first_merchant,
            first_at: c.first_at,
            merchant: c.merchant,
            accepted_at: c.accepted_at,
        })
        .collect();
    for c in &conflicts {
        // A till whose only part is a conflict (it accepted offline a
        // voucher redeemed before) has a line too.
        if !merchants.values().any(|m| m.merchant == c.merchant) {
            let station = merchants
                .values()
                .find(|m| m.merchant == c.first_merchant)
                .map(|m| m.station.clone())
                .unwrap_or_default();
            merchants.insert(
                (station.clone(), c.merchant.clone()),
                MerchantLine {
                    merchant: c.merchant.clone(),
                    station,
                    redeemed: Amounts::default(),
                    conflicts: 0,
                },
            );
        }
        for m in merchants.values_mut().filter(|m| m.merchant == c.merchant || m.merchant == c.first_merchant)
        {
            m.conflicts += 1;
        }
    }
    let finish = |mut l: FlightLine| {
        l.issued = l.issued.finish();
        l.voided = l.voided.finish();
        l.redeemed = l.redeemed.finish();
        l
    };
    Ok(Report {
        flights: flights.into_values().map(finish).collect(),
        merchants: merchants
            .into_values()
            .map(|mut m| {
                m.redeemed = m.redeemed.finish();
                m
            })
            .collect(),
        conflicts,
        redeemed_without_value: without_value,
    })
}

fn flight_line(flight: &str, date: &str) -> FlightLine {
    FlightLine {
        flight: flight.to_owned(),
        flight_date: date.to_owned(),
        issued: Amounts::default(),
        voided: Amounts::default(),
        redeemed: Amounts::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flight_is_named_as_its_keys_begin() {
        assert_eq!(
            Scope::flight("cz342/2026-11-22"),
            Some(Scope::Flight { flight: "CZ342".into(), flight_date: "2026-11-22".into() })
        );
        for bad in ["CZ342", "CZ342/22-11-2026", "CZ 342/2026-11-22", "/2026-11-22", "CZ342/2026-02-30"] {
            assert_eq!(Scope::flight(bad), None, "{bad}");
        }
    }

    #[test]
    fn amounts_stay_per_currency_with_their_own_digits() {
        let mut a = Amounts::default();
        a.add("JPY", 1, 1500);
        a.add("HKD", 2, 24000);
        a.add("JPY", 1, 500);
        let a = a.finish();
        let texts: Vec<&str> = a.0.iter().map(|x| x.value_text.as_str()).collect();
        assert_eq!(texts, ["HKD 240.00", "JPY 2000"]);
        assert_eq!(a.0[1].count, 2);
    }
}
