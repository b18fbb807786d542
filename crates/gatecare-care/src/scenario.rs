//! The input of an evaluation: parsed from the `scenario` JSON of the
//! command-line contract into checked types, each error naming its field.

use chrono::{DateTime, FixedOffset, Utc};
use gatecare_core::{AirportCode, CarrierCode};
use gatecare_reference::{Airport, Carrier};
use serde::Deserialize;

use crate::cause::Cause;
use gatecare_policy::CarrierSize;

pub use gatecare_core::DisruptionKind;

/// The JSON shape (`shared/fixtures/care-public.jsonl`, `scenario`); also
/// how a decision records its inputs ([`Scenario::to_input`]).
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioInput {
    #[serde(default, skip_serializing)]
    pub id: Option<serde::de::IgnoredAny>,
    pub origin: String,
    pub destination: String,
    pub operating_carrier: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier_size: Option<CarrierSize>,
    pub disruption: DisruptionKind,
    /// One cause (a category or an IATA code); or `causes` instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// Several causes, each with its minutes of departure delay (as an IATA
    /// MVT message gives them: `DL41/93/0045/0130`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub causes: Option<Vec<CauseInput>>,
    pub scheduled_departure: DateTime<FixedOffset>,
    pub scheduled_arrival: DateTime<FixedOffset>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_departure: Option<DateTime<FixedOffset>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_arrival: Option<DateTime<FixedOffset>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub informed_at: Option<DateTime<FixedOffset>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reroute: Option<RerouteInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diverted_to: Option<String>,
    #[serde(default)]
    pub passenger: PassengerFacts,
    pub at: DateTime<FixedOffset>,
}

/// One cause of a delay and its minutes.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct CauseInput {
    pub cause: String,
    pub minutes: u32,
    /// Code 93 (late inbound aircraft): the inbound flight's cause, when
    /// known. A carrier may rely on what hit the aircraft's previous flight
    /// (CJEU C-74/19); unknown, the late aircraft is the carrier's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inbound_cause: Option<String>,
}

/// A cause with its minutes of departure delay, as the rules weigh it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct CausePart {
    pub cause: Cause,
    pub minutes: u32,
    /// Entered as code 93 and judged by the inbound flight's cause.
    pub inbound: bool,
}

#[derive(Debug, Clone, Copy, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct RerouteInput {
    pub departure: DateTime<FixedOffset>,
    pub arrival: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PassengerFacts {
    #[serde(default)]
    pub special_assistance: bool,
    #[serde(default)]
    pub unaccompanied_minor: bool,
    #[serde(default)]
    pub lives_in_departure_city: bool,
}

impl PassengerFacts {
    /// The facts the rules read, from a passenger's recorded needs.
    pub fn from_needs(needs: &[gatecare_core::SpecialNeed], lives_in_departure_city: bool) -> PassengerFacts {
        use gatecare_core::SpecialNeed;
        PassengerFacts {
            special_assistance: needs.contains(&SpecialNeed::Wheelchair),
            unaccompanied_minor: needs.contains(&SpecialNeed::UnaccompaniedMinor),
            lives_in_departure_city,
        }
    }
}

/// A checked scenario: every code resolved, every time in UTC.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub origin: &'static Airport,
    pub destination: &'static Airport,
    pub carrier: CarrierCode,
    pub carrier_record: Option<&'static Carrier>,
    pub carrier_size: Option<CarrierSize>,
    pub disruption: DisruptionKind,
    /// The main cause: the only one, or the one with the most minutes.
    pub cause: Cause,
    /// Every cause with its minutes, when more than one was given (empty
    /// for a single cause, which then accounts for the whole delay).
    pub causes: Vec<CausePart>,
    pub scheduled_departure: DateTime<Utc>,
    pub scheduled_arrival: DateTime<Utc>,
    pub expected_departure: Option<DateTime<Utc>>,
    pub expected_arrival: Option<DateTime<Utc>>,
    pub informed_at: Option<DateTime<Utc>>,
    pub notice_days: Option<u32>,
    pub reroute: Option<(DateTime<Utc>, DateTime<Utc>)>,
    pub diverted_to: Option<&'static Airport>,
    pub passenger: PassengerFacts,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct ScenarioError {
    pub field: &'static str,
    pub reason: String,
}

fn err(field: &'static str, reason: impl Into<String>) -> ScenarioError {
    ScenarioError { field, reason: reason.into() }
}

fn airport(field: &'static str, code: &str) -> Result<&'static Airport, ScenarioError> {
    let c = AirportCode::parse(code).map_err(|e| err(field, e.to_string()))?;
    gatecare_reference::airport(&c).ok_or_else(|| err(field, format!("unknown airport {c}")))
}

/// Several causes with their minutes, checked: each a category or an IATA
/// code, minutes 1-4320, an inbound cause only with code 93 (which then
/// stands for it). Returns the main cause (most minutes, the first on a
/// tie) and every part.
pub fn parse_causes(list: &[CauseInput]) -> Result<(Cause, Vec<CausePart>), ScenarioError> {
    let parse_cause = |text: &str| {
        Cause::parse(text).ok_or_else(|| {
            err("causes", format!("unknown cause {:?}", text.chars().take(40).collect::<String>()))
        })
    };
    if list.is_empty() || list.len() > 8 {
        return Err(err("causes", "one to eight causes"));
    }
    let mut parts = Vec::with_capacity(list.len());
    for c in list {
        let entered = parse_cause(&c.cause)?;
        let code93 = crate::cause::iata_code(&c.cause) == Some(93);
        let inbound = match (&c.inbound_cause, code93) {
            (Some(i), true) => Some(parse_cause(i)?),
            (Some(_), false) => return Err(err("causes", "an inbound cause goes with code 93 only")),
            (None, _) => None,
        };
        if c.minutes == 0 || c.minutes > 72 * 60 {
            return Err(err("causes", "minutes from 1 to 4320"));
        }
        parts.push(CausePart {
            cause: inbound.unwrap_or(entered),
            minutes: c.minutes,
            inbound: inbound.is_some(),
        });
    }
    let main = parts.iter().fold(parts[0], |best, p| if p.minutes > best.minutes { *p } else { best });
    Ok((main.cause, parts))
}

impl ScenarioInput {
    pub fn check(self) -> Result<Scenario, ScenarioError> {
        let origin = airport("origin", &self.origin)?;
        let destination = airport("destination", &self.destination)?;
        let carrier = CarrierCode::parse(&self.operating_carrier)
            .map_err(|e| err("operating_carrier", e.to_string()))?;
        let carrier_record = gatecare_reference::carrier(&carrier);
        if carrier_record.is_none() {
            return Err(err("operating_carrier", format!("unknown carrier {carrier}")));
        }
        let parse_cause = |field: &'static str, text: &str| {
            Cause::parse(text).ok_or_else(|| {
                err(field, format!("unknown cause {:?}", text.chars().take(40).collect::<String>()))
            })
        };
        let (cause, causes) = match (&self.cause, &self.causes) {
            (Some(c), None) => (parse_cause("cause", c)?, Vec::new()),
            (None, Some(list)) => parse_causes(list)?,
            (Some(_), Some(_)) => return Err(err("causes", "give either cause or causes")),
            (None, None) => return Err(err("cause", "missing: give cause or causes")),
        };
        let utc = |t: DateTime<FixedOffset>| t.with_timezone(&Utc);
        let scheduled_departure = utc(self.scheduled_departure);
        // Causes account for minutes of departure delay: never more than it.
        if let Some(expected) = self.expected_departure.filter(|_| !causes.is_empty()) {
            let delay = (utc(expected) - scheduled_departure).num_minutes();
            let given: i64 = causes.iter().map(|p| i64::from(p.minutes)).sum();
            if given > delay {
                return Err(err(
                    "causes",
                    format!("{given} minutes of causes, but the departure is {} minutes late", delay.max(0)),
                ));
            }
        }
        let scheduled_arrival = utc(self.scheduled_arrival);
        if scheduled_arrival <= scheduled_departure {
            return Err(err("scheduled_arrival", "must be after scheduled_departure"));
        }
        if let (Some(d), Some(a)) = (self.expected_departure, self.expected_arrival)
            && a <= d
        {
            return Err(err("expected_arrival", "must be after expected_departure"));
        }
        let reroute = match self.reroute {
            Some(r) if r.arrival <= r.departure => {
                return Err(err("reroute", "arrival must be after departure"));
            }
            Some(r) => Some((utc(r.departure), utc(r.arrival))),
            None => None,
        };
        let diverted_to = match &self.diverted_to {
            Some(code) => Some(airport("diverted_to", code)?),
            None => None,
        };
        // Ten years either side is plenty; anything else is a typo or an attack.
        let span = chrono::Duration::days(3650);
        for (field, t) in [
            ("at", utc(self.at)),
            ("expected_departure", self.expected_departure.map(utc).unwrap_or(scheduled_departure)),
        ] {
            if (t - scheduled_departure).abs() > span {
                return Err(err(field, "more than ten years from the scheduled departure"));
            }
        }
        Ok(Scenario {
            origin,
            destination,
            carrier,
            carrier_record,
            carrier_size: self.carrier_size,
            disruption: self.disruption,
            cause,
            causes,
            scheduled_departure,
            scheduled_arrival,
            expected_departure: self.expected_departure.map(utc),
            expected_arrival: self.expected_arrival.map(utc),
            informed_at: self.informed_at.map(utc),
            notice_days: self.notice_days,
            reroute,
            diverted_to,
            passenger: self.passenger,
            at: utc(self.at),
        })
    }
}

impl Scenario {
    /// The input this scenario reads as, with times in the origin's offset:
    /// `to_input().check()` gives a scenario every rule judges the same way
    /// (a cause entered as an IATA code comes back as its category, code 93
    /// with its inbound cause).
    pub fn to_input(&self) -> ScenarioInput {
        let local = |t: DateTime<Utc>| t.with_timezone(&self.origin.tz).fixed_offset();
        let causes = (!self.causes.is_empty()).then(|| {
            self.causes
                .iter()
                .map(|p| CauseInput {
                    cause: if p.inbound { "93".to_owned() } else { p.cause.as_str().to_owned() },
                    minutes: p.minutes,
                    inbound_cause: p.inbound.then(|| p.cause.as_str().to_owned()),
                })
                .collect()
        });
        ScenarioInput {
            id: None,
            origin: self.origin.code.to_string(),
            destination: self.destination.code.to_string(),
            operating_carrier: self.carrier.to_string(),
            carrier_size: self.carrier_size,
            disruption: self.disruption,
            cause: causes.is_none().then(|| self.cause.as_str().to_owned()),
            causes,
            scheduled_departure: local(self.scheduled_departure),
            scheduled_arrival: local(self.scheduled_arrival),
            expected_departure: self.expected_departure.map(local),
            expected_arrival: self.expected_arrival.map(local),
            informed_at: self.informed_at.map(local),
            notice_days: self.notice_days,
            reroute: self.reroute.map(|(d, a)| RerouteInput { departure: local(d), arrival: local(a) }),
            diverted_to: self.diverted_to.map(|a| a.code.to_string()),
            passenger: self.passenger,
            at: local(self.at),
        }
    }
}
