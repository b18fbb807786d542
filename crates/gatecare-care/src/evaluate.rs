//! What a passenger is owed, when, and why.
//!
//! Statutory entitlements come first, regime by regime, each with its
//! citation; the airline policy then adds (never removes). Thresholds count
//! the carrier's *expected* delay for EU261, UK261 and US DOT, and the time
//! *actually waited* since the scheduled departure for APPR and ANAC.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use gatecare_reference::{ApprSize, great_circle_km};
use serde::Serialize;

use crate::cause::{Cause, Control, appr_control, cn_control, eu_control, us_control};
use crate::regime::{Band, Regime, applicable, band, in_eu261_area, in_uk};
use crate::rules::{AnacRules, ApprRules, COMPILED, EuUkRules, RuleBook, RulesApplied, UsDotRules};
use crate::scenario::{DisruptionKind, Scenario};
use gatecare_policy::{CarrierSize, Policy};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CareKind {
    Meal,
    Communication,
    Hotel,
    Transport,
}

impl CareKind {
    /// The name used on the wire and in entitlement keys (`…/meal/2`).
    pub fn as_str(self) -> &'static str {
        match self {
            CareKind::Meal => "meal",
            CareKind::Communication => "communication",
            CareKind::Hotel => "hotel",
            CareKind::Transport => "transport",
        }
    }
}

/// Where an entitlement comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Source {
    Regime(Regime),
    Policy(PolicyMarker),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyMarker {
    Policy,
}

/// One item of care on the timeline.
#[derive(Debug, Clone, Serialize)]
pub struct CareItem {
    pub kind: CareKind,
    /// 1 for the first meal, 2 for the second, …; 1 for other kinds.
    pub ordinal: u32,
    /// When it accrues (RFC 3339 in the departure airport's offset on output).
    #[serde(serialize_with = "serialize_instant")]
    pub from: DateTime<Utc>,
    pub due: bool,
    pub source: Source,
    pub citation: &'static str,
    /// Paid by the passenger (the carrier only arranges it).
    pub passenger_pays: bool,
    /// The waiting time a meal series counts from (the first meal's
    /// threshold), so further meals do not move with the moment of asking.
    #[serde(skip)]
    anchor: DateTime<Utc>,
}

fn serialize_instant<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LaterCare {
    pub kind: CareKind,
    #[serde(serialize_with = "serialize_instant")]
    pub from: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Compensation {
    pub regime: Regime,
    pub amount_minor: i64,
    pub currency: &'static str,
    pub citation: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub regimes: Vec<Regime>,
    pub band: Option<Band>,
    pub distance_km: f64,
    pub care_due: Vec<CareKind>,
    pub care_later: Vec<LaterCare>,
    pub passenger_pays_care: bool,
    pub compensation: Vec<Compensation>,
    pub refund_option: bool,
    pub citations: Vec<&'static str>,
    /// Every item with its source and citation: the "why" for screens and paper.
    pub care: Vec<CareItem>,
    pub expected_delay_minutes: i64,
    pub waited_minutes: i64,
    pub arrival_delay_minutes: Option<i64>,
    /// With several causes: how their minutes were weighed.
    pub causes: Option<CauseMinutes>,
    /// The version of each regime's rules that judged the flight: the one in
    /// force on its scheduled departure's local date.
    pub rules: Vec<RulesApplied>,
}

/// How a delay's several causes were weighed, for the explanation.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CauseMinutes {
    pub parts: Vec<CauseMinutesPart>,
    /// Departure delay no cause accounts for: the carrier's.
    pub unaccounted_minutes: i64,
    /// The main cause, which APPR, the US commitments and China judge by.
    pub main: Cause,
    /// EU261/UK261 (Pešková, C-315/15): minutes of extraordinary causes,
    /// deducted from the arrival delay before the 3-hour test.
    pub eu_deducted_minutes: i64,
    /// The arrival delay that counted for compensation after the deduction.
    pub eu_counted_arrival_delay_minutes: Option<i64>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CauseMinutesPart {
    pub cause: Cause,
    pub minutes: u32,
    /// Code 93 judged by the inbound flight's cause.
    pub inbound: bool,
    /// An extraordinary circumstance under EU261 (deducted).
    pub eu_extraordinary: bool,
}

/// The facts every rule reads, derived once.
struct Facts<'a> {
    s: &'a Scenario,
    tz: Tz,
    /// The departure the passenger now waits for: expected or re-routed.
    new_departure: Option<DateTime<Utc>>,
    /// Expected delay at departure (the carrier's forecast).
    expected_delay: Option<Duration>,
    /// Arrival delay at the final destination.
    arrival_delay: Option<Duration>,
}

/// EU261 (Pešková, C-315/15, third question): the part of a delay caused by
/// an extraordinary circumstance is deducted from the arrival delay before
/// asking whether it reaches 3 hours. Minutes no cause accounts for, and a
/// late inbound aircraft whose own cause is unknown, are the carrier's.
/// Never more than the departure delay itself: minutes entered beyond it
/// (a slip at the gate, or data stored before entry was checked) cannot
/// deduct what did not happen.
fn eu_deducted(s: &Scenario, expected_delay: Option<Duration>) -> Duration {
    let named: i64 = s
        .causes
        .iter()
        .filter(|p| eu_control(p.cause) != Control::Carrier)
        .map(|p| i64::from(p.minutes))
        .sum();
    Duration::minutes(named.min(expected_delay.map_or(named, |d| d.num_minutes().max(0))))
}

/// The cause APPR, the US commitments and China judge a delay by: the one
/// with the most minutes, where minutes no cause accounts for are the
/// carrier's (airline operations) and count as one more cause.
fn main_cause(s: &Scenario, expected_delay: Option<Duration>) -> Cause {
    if s.causes.is_empty() {
        return s.cause;
    }
    let given: i64 = s.causes.iter().map(|p| i64::from(p.minutes)).sum();
    let unaccounted = expected_delay.map_or(0, |d| d.num_minutes() - given);
    let top = s.causes.iter().map(|p| i64::from(p.minutes)).max().unwrap_or(0);
    if unaccounted > top { Cause::Commercial } else { s.cause }
}

impl Facts<'_> {
    fn local_day(&self, t: DateTime<Utc>) -> chrono::NaiveDate {
        t.with_timezone(&self.tz).date_naive()
    }

    /// Overnight as the policy defines it where a regime does not: a later
    /// local calendar day and at least N hours after the scheduled departure.
    fn overnight_default(&self, policy: &Policy) -> bool {
        self.new_departure.is_some_and(|d| {
            self.local_day(d) > self.local_day(self.s.scheduled_departure)
                && d - self.s.scheduled_departure >= Duration::hours(policy.care.overnight_min_hours as i64)
        })
    }

    /// The local time on the scheduled day from which a hotel is issued.
    fn evening(&self, policy: &Policy) -> DateTime<Utc> {
        local_at(self.tz, self.local_day(self.s.scheduled_departure), policy.care.hotel_from_local)
            .unwrap_or(self.s.scheduled_departure)
    }

    /// Whether the passenger will have waited at least `d` since the scheduled
    /// departure (for cancellations and denied boarding without a re-route,
    /// the wait is open-ended).
    fn wait_reaches(&self, d: Duration) -> bool {
        match self.new_departure {
            Some(nd) => nd - self.s.scheduled_departure >= d,
            None => {
                matches!(self.s.disruption, DisruptionKind::Cancellation | DisruptionKind::DeniedBoarding)
            }
        }
    }

    /// When the passengers heard of the disruption: the recorded moment
    /// (`informed_at`), never later than the instant asked about. Care owed
    /// "as soon as the passenger is told" runs from here, so the timeline
    /// an agent reads and what is due at any moment agree.
    fn told(&self) -> DateTime<Utc> {
        self.s.informed_at.map_or(self.s.at, |i| i.min(self.s.at))
    }

    fn wait_exceeds(&self, d: Duration) -> bool {
        match self.new_departure {
            Some(nd) => nd - self.s.scheduled_departure > d,
            None => {
                matches!(self.s.disruption, DisruptionKind::Cancellation | DisruptionKind::DeniedBoarding)
            }
        }
    }
}

fn local_at(tz: Tz, day: chrono::NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&day.and_time(time)).earliest().map(|t| t.with_timezone(&Utc))
}

struct Builder {
    items: Vec<CareItem>,
}

impl Builder {
    fn add(
        &mut self,
        kind: CareKind,
        ordinal: u32,
        from: DateTime<Utc>,
        source: Source,
        citation: &'static str,
        pays: bool,
    ) {
        self.items.push(CareItem {
            kind,
            ordinal,
            from,
            due: false,
            source,
            citation,
            passenger_pays: pays,
            anchor: from,
        });
    }

    /// Sets the meal-series anchor of the first meal just added.
    fn anchor_meal(&mut self, anchor: DateTime<Utc>) {
        if let Some(m) = self.items.iter_mut().rev().find(|i| i.kind == CareKind::Meal && i.ordinal == 1) {
            m.anchor = anchor;
        }
    }

    fn meals_and_calls(
        &mut self,
        from: DateTime<Utc>,
        source: Source,
        meal: &'static str,
        call: &'static str,
        pays: bool,
    ) {
        self.add(CareKind::Meal, 1, from, source, meal, pays);
        self.add(CareKind::Communication, 1, from, source, call, pays);
    }

    fn hotel(
        &mut self,
        from: DateTime<Utc>,
        source: Source,
        hotel: &'static str,
        transport: &'static str,
        pays: bool,
    ) {
        self.add(CareKind::Hotel, 1, from, source, hotel, pays);
        self.add(CareKind::Transport, 1, from, source, transport, pays);
    }
}

impl Evaluation {
    /// The passenger chose a refund at `at` instead of travelling on (EU261
    /// Art 8(1)(a) and the like): care whose time comes after the choice is
    /// no longer owed; what was owed before it stays owed.
    pub fn refund_chosen(mut self, at: DateTime<Utc>) -> Evaluation {
        self.care.retain(|i| i.from <= at);
        self.care_later.retain(|l| l.from <= at);
        let mut due: Vec<CareKind> = self.care.iter().filter(|i| i.due).map(|i| i.kind).collect();
        due.sort();
        due.dedup();
        self.care_due = due;
        self
    }
}

/// Evaluates a scenario under the law and the airline's policy, by the
/// rules compiled into this build.
pub fn evaluate(s: &Scenario, policy: &Policy) -> Evaluation {
    evaluate_under(&COMPILED, s, policy)
}

/// Evaluates a scenario by the versions of `book` in force on the flight's
/// scheduled departure date.
pub fn evaluate_under(book: &RuleBook, s: &Scenario, policy: &Policy) -> Evaluation {
    evaluate_with(book, s, policy, true)
}

/// The statutory part alone (for the "policy never yields less" check).
pub fn evaluate_law_only(s: &Scenario, policy: &Policy) -> Evaluation {
    evaluate_with(&COMPILED, s, policy, false)
}

fn evaluate_with(book: &RuleBook, s: &Scenario, policy: &Policy, with_policy: bool) -> Evaluation {
    let tz = s.origin.tz;
    let licence = s.carrier_record.and_then(|c| c.licence_country.as_deref());
    let destination_country = s.destination.country.as_str();
    // A regime applies by its scope and only with a version in force on the
    // scheduled departure's local date.
    let in_force = book.on(s.scheduled_departure.with_timezone(&tz).date_naive());
    let mut regimes = applicable(&s.origin.country, destination_country, licence);
    regimes.retain(|r| in_force.applied(*r).is_some());
    let rules: Vec<RulesApplied> = regimes.iter().filter_map(|r| in_force.applied(*r)).collect();
    let distance_km = (great_circle_km(s.origin, s.destination) * 10.0).round() / 10.0;

    let new_departure = match s.disruption {
        DisruptionKind::Delay | DisruptionKind::Diversion => {
            Some(s.expected_departure.unwrap_or(s.scheduled_departure))
        }
        DisruptionKind::Cancellation | DisruptionKind::DeniedBoarding => s.reroute.map(|r| r.0),
    };
    let expected_delay = new_departure.map(|d| d - s.scheduled_departure);
    let arrival_delay = match s.disruption {
        DisruptionKind::Delay | DisruptionKind::Diversion => Some(
            s.expected_arrival
                .map(|a| a - s.scheduled_arrival)
                .unwrap_or_else(|| expected_delay.unwrap_or_default()),
        ),
        DisruptionKind::Cancellation | DisruptionKind::DeniedBoarding => {
            s.reroute.map(|r| r.1 - s.scheduled_arrival)
        }
    };
    let f = Facts { s, tz, new_departure, expected_delay, arrival_delay };
    let main = main_cause(s, expected_delay);
    let causes = (!s.causes.is_empty()).then(|| {
        let given: i64 = s.causes.iter().map(|p| i64::from(p.minutes)).sum();
        let deducted = eu_deducted(s, expected_delay);
        CauseMinutes {
            parts: s
                .causes
                .iter()
                .map(|p| CauseMinutesPart {
                    cause: p.cause,
                    minutes: p.minutes,
                    inbound: p.inbound,
                    eu_extraordinary: eu_control(p.cause) != Control::Carrier,
                })
                .collect(),
            unaccounted_minutes: (expected_delay.unwrap_or_default().num_minutes() - given).max(0),
            main,
            eu_deducted_minutes: deducted.num_minutes(),
            eu_counted_arrival_delay_minutes: arrival_delay.map(|d| (d - deducted).num_minutes()),
        }
    });

    let eu_band = regimes
        .contains(&Regime::Eu261)
        .then(|| band(distance_km, in_eu261_area(&s.origin.country) && in_eu261_area(destination_country)));
    let uk_band = regimes
        .contains(&Regime::Uk261)
        .then(|| band(distance_km, in_uk(&s.origin.country) && in_uk(destination_country)));

    let mut b = Builder { items: Vec::new() };
    let mut citations: Vec<&'static str> = Vec::new();
    let mut compensation = Vec::new();
    let mut refund = false;
    let mut pays = Vec::new();

    for &regime in &regimes {
        match regime {
            Regime::Eu261 | Regime::Uk261 => {
                let bd = if regime == Regime::Eu261 { eu_band } else { uk_band }.unwrap_or(Band::A);
                let Some(r) = (if regime == Regime::Eu261 { in_force.eu261 } else { in_force.uk261 }) else {
                    continue;
                };
                eu_uk_care(&f, r, regime, bd, &mut b);
                if let Some(c) = eu_uk_compensation(&f, r, policy, regime, bd) {
                    compensation.push(c);
                }
                let refund_here = match s.disruption {
                    DisruptionKind::Delay | DisruptionKind::Diversion => {
                        expected_delay.is_some_and(|d| d >= Duration::minutes(r.refund_after_minutes))
                    }
                    DisruptionKind::Cancellation | DisruptionKind::DeniedBoarding => true,
                };
                if refund_here {
                    refund = true;
                    citations.push(if regime == Regime::Eu261 {
                        "EU261 Art 8(1)(a)"
                    } else {
                        "UK261 Art 8(1)(a)"
                    });
                }
                pays.push(false);
            }
            Regime::Appr => {
                let Some(r) = in_force.appr else { continue };
                let control = appr_control(main);
                let cared = appr_care(&f, r, policy, control, &mut b);
                pays.push(!cared);
                if let Some(c) = appr_compensation(&f, r, policy, control) {
                    compensation.push(c);
                }
                if control != Control::Outside
                    && (matches!(s.disruption, DisruptionKind::Cancellation)
                        || expected_delay.is_some_and(|d| d >= Duration::minutes(r.refund_after_minutes)))
                {
                    refund = true;
                    // s.17(1) is the rebooking; s.17(2) the refund when it does not suit.
                    citations.push("SOR/2019-150 s.17(2)");
                }
            }
            Regime::UsDot => {
                let Some(r) = in_force.us_dot else { continue };
                let control = us_control(main);
                let cared = us_care(&f, r, policy, control, &mut b);
                pays.push(!cared);
            }
            Regime::CnMot2016 => {
                let domestic_diversion = s.disruption == DisruptionKind::Diversion
                    && s.diverted_to.is_some_and(|d| d.country == "CN")
                    && s.origin.country == "CN";
                let passenger_pays = cn_control(main) == Control::Outside && !domestic_diversion;
                cn_care(&f, policy, passenger_pays, domestic_diversion, &mut b);
                pays.push(passenger_pays);
            }
            Regime::Anac400 => {
                let Some(r) = in_force.anac_400 else { continue };
                anac_care(&f, r, &mut b);
                pays.push(false);
                let refund_here = match s.disruption {
                    DisruptionKind::Delay | DisruptionKind::Diversion => {
                        expected_delay.is_some_and(|d| d > Duration::minutes(r.refund_after_minutes))
                    }
                    _ => true,
                };
                if refund_here {
                    refund = true;
                    citations.push("ANAC Res. 400 Art 21");
                }
            }
        }
    }

    // 14 CFR 260: refunds on flights to, from or within the US, any carrier.
    let us_origin = s.origin.country == "US";
    let us_dest = destination_country == "US";
    if us_origin || us_dest {
        let significant = if us_origin && us_dest { Duration::hours(3) } else { Duration::hours(6) };
        let late = expected_delay.is_some_and(|d| d >= significant)
            || arrival_delay.is_some_and(|d| d >= significant);
        let early = expected_delay.is_some_and(|d| -d >= significant);
        if s.disruption == DisruptionKind::Cancellation || late || early {
            refund = true;
            citations.push("14 CFR 260.6");
        }
    }

    // The airline's policy on top: further meals on the regimes' timelines,
    // and voluntary care where no regime applies.
    if with_policy {
        add_policy_meals(&f, policy, &mut b);
        if regimes.is_empty()
            && policy.care.voluntary_care_without_regime
            && eu_control(main) == Control::Carrier
        {
            let from = s.scheduled_departure + Duration::minutes(policy.care.first_meal_after_minutes as i64);
            if f.wait_reaches(Duration::minutes(policy.care.first_meal_after_minutes as i64)) {
                b.add(
                    CareKind::Meal,
                    1,
                    from,
                    Source::Policy(PolicyMarker::Policy),
                    "Airline care policy: a first meal while you wait",
                    false,
                );
                if f.overnight_default(policy) {
                    let from = from.max(f.evening(policy));
                    b.hotel(
                        from,
                        Source::Policy(PolicyMarker::Policy),
                        "Airline care policy: a hotel when the wait runs overnight",
                        "Airline care policy: a hotel when the wait runs overnight",
                        false,
                    );
                }
                add_policy_meals(&f, policy, &mut b);
            }
        }
    }

    for item in &mut b.items {
        item.due = item.from <= s.at;
    }
    // A strict "more than" threshold (ANAC) is a `from` one second after it.
    let mut care_due: Vec<CareKind> = b.items.iter().filter(|i| i.due).map(|i| i.kind).collect();
    care_due.sort();
    care_due.dedup();
    // Later: each (kind, ordinal) not yet due from any source, at its earliest.
    let mut care_later: Vec<LaterCare> = Vec::new();
    let mut seen: Vec<(CareKind, u32)> = Vec::new();
    let mut pending: Vec<&CareItem> = b.items.iter().filter(|i| !i.due).collect();
    pending.sort_by_key(|i| (i.from, i.kind));
    for i in pending {
        let key = (i.kind, i.ordinal);
        let due_elsewhere = b.items.iter().any(|d| d.due && d.kind == i.kind && d.ordinal == i.ordinal);
        if !due_elsewhere && !seen.contains(&key) {
            seen.push(key);
            care_later.push(LaterCare { kind: i.kind, from: i.from });
        }
    }

    citations.extend(b.items.iter().map(|i| i.citation));
    citations.extend(compensation.iter().map(|c| c.citation));
    // EU/UK: the deduction of extraordinary minutes, and a late inbound
    // aircraft judged by what held it, rest on the Court's judgments.
    if regimes.iter().any(|r| matches!(r, Regime::Eu261 | Regime::Uk261))
        && let Some(c) = &causes
    {
        if c.eu_deducted_minutes > 0 {
            citations.push("CJEU C-315/15 Pešková (extraordinary minutes deducted)");
        }
        if c.parts.iter().any(|p| p.inbound) {
            citations.push("CJEU C-74/19 (the inbound flight's cause)");
        }
    }
    citations.sort();
    citations.dedup();

    let passenger_pays_care = if pays.is_empty() { b.items.is_empty() } else { pays.iter().all(|p| *p) };

    Evaluation {
        band: eu_band.or(uk_band),
        regimes,
        distance_km,
        care_due,
        care_later,
        passenger_pays_care,
        compensation,
        refund_option: refund,
        citations,
        care: b.items,
        expected_delay_minutes: expected_delay.map(|d| d.num_minutes()).unwrap_or(0),
        waited_minutes: (s.at.min(new_departure.unwrap_or(s.at)) - s.scheduled_departure)
            .num_minutes()
            .max(0),
        arrival_delay_minutes: arrival_delay.map(|d| d.num_minutes()),
        causes,
        rules,
    }
}

/// EU261 / UK261 Art 6, 4(3), 5(1)(b) and 9: care does not depend on the
/// cause (McDonagh C-12/11), only on the expected delay and band.
fn eu_uk_care(f: &Facts<'_>, r: &EuUkRules, regime: Regime, bd: Band, b: &mut Builder) {
    let s = f.s;
    let src = Source::Regime(regime);
    let eu = regime == Regime::Eu261;
    let (meal, call, hotel, transport) = if eu {
        ("EU261 Art 9(1)(a)", "EU261 Art 9(2)", "EU261 Art 9(1)(b)", "EU261 Art 9(1)(c)")
    } else {
        ("UK261 Art 9(1)(a)", "UK261 Art 9(2)", "UK261 Art 9(1)(b)", "UK261 Art 9(1)(c)")
    };
    match s.disruption {
        DisruptionKind::Delay | DisruptionKind::Diversion => {
            let thr = r.care_after(bd);
            if f.expected_delay.is_some_and(|d| d >= thr) {
                // Owed as soon as the carrier expects the delay (Art 6(1)).
                let from = f.told().min(s.scheduled_departure + thr);
                b.meals_and_calls(from, src, meal, call, false);
                b.anchor_meal(s.scheduled_departure + thr);
                // Art 6(1)(ii): the new departure is at least the day after
                // the announced one. Owed from the same moment as the meals:
                // no policy hour may postpone it.
                let overnight =
                    f.new_departure.is_some_and(|d| f.local_day(d) > f.local_day(s.scheduled_departure));
                if overnight {
                    b.hotel(from, src, hotel, transport, false);
                }
            }
        }
        DisruptionKind::Cancellation | DisruptionKind::DeniedBoarding => {
            // Art 5(1)(b), 4(3): meals and calls as soon as the passenger is
            // told; hotel and transport as soon as the re-routing is known to
            // leave on a later day than the cancelled flight.
            let from = f.told().min(s.scheduled_departure);
            b.meals_and_calls(from, src, meal, call, false);
            if f.new_departure.is_some_and(|d| f.local_day(d) > f.local_day(s.scheduled_departure)) {
                b.hotel(from, src, hotel, transport, false);
            }
        }
    }
}

fn eu_uk_compensation(
    f: &Facts<'_>,
    r: &EuUkRules,
    policy: &Policy,
    regime: Regime,
    bd: Band,
) -> Option<Compensation> {
    let s = f.s;
    let eu = regime == Regime::Eu261;
    let (full, currency) = r.amount(bd);
    let cite = |delay: &'static str, cancel: &'static str, denied: &'static str, uk: [&'static str; 3]| match (
        eu,
        s.disruption,
    ) {
        (true, DisruptionKind::Cancellation) => cancel,
        (true, DisruptionKind::DeniedBoarding) => denied,
        (true, _) => delay,
        (false, DisruptionKind::Cancellation) => uk[1],
        (false, DisruptionKind::DeniedBoarding) => uk[2],
        (false, _) => uk[0],
    };
    let halve_within = r.care_after(bd);
    let amount = match s.disruption {
        DisruptionKind::Delay | DisruptionKind::Diversion => {
            // One cause decides alone; several are weighed by their minutes.
            if s.causes.is_empty() && eu_control(s.cause) != Control::Carrier {
                return None;
            }
            let d = f.arrival_delay? - eu_deducted(s, f.expected_delay);
            if d < r.compensation_after(bd) {
                return None;
            }
            // Art 7(2)(c) read with Sturgeon: band C arriving 3-4 h late is halved.
            if bd == Band::C
                && d <= Duration::minutes(r.band_c_halved_up_to_minutes)
                && policy.compensation.eu_art_7_2_reduction
            {
                full / 2
            } else {
                full
            }
        }
        DisruptionKind::Cancellation => {
            if eu_control(s.cause) != Control::Carrier {
                return None;
            }
            let notice = s.notice_days.unwrap_or(0);
            let reroute =
                s.reroute.map(|(dep, arr)| (s.scheduled_departure - dep, arr - s.scheduled_arrival));
            let exempt = match (notice, reroute) {
                (14.., _) => true,
                (7..=13, Some((early, late))) => early <= Duration::hours(2) && late < Duration::hours(4),
                (0..=6, Some((early, late))) => early <= Duration::hours(1) && late < Duration::hours(2),
                _ => false,
            };
            if exempt {
                return None;
            }
            halved(full, f.arrival_delay, halve_within, policy)
        }
        // Art 4(3): denied boarding against the passenger's will, any cause.
        DisruptionKind::DeniedBoarding => halved(full, f.arrival_delay, halve_within, policy),
    };
    // Art 7(2) is what lets the amount be halved: cited when it is.
    let citation = if amount < full {
        cite(
            "EU261 Art 7(1), Art 7(2); CJEU C-402/07 Sturgeon",
            "EU261 Art 5(1)(c), Art 7(1), Art 7(2)",
            "EU261 Art 4(3), Art 7(1), Art 7(2)",
            [
                "UK261 Art 7(1), Art 7(2); Sturgeon",
                "UK261 Art 5(1)(c), Art 7(1), Art 7(2)",
                "UK261 Art 4(3), Art 7(1), Art 7(2)",
            ],
        )
    } else {
        cite(
            "EU261 Art 7(1); CJEU C-402/07 Sturgeon",
            "EU261 Art 5(1)(c), Art 7(1)",
            "EU261 Art 4(3), Art 7(1)",
            ["UK261 Art 7(1); Sturgeon", "UK261 Art 5(1)(c), Art 7(1)", "UK261 Art 4(3), Art 7(1)"],
        )
    };
    Some(Compensation { regime, amount_minor: amount, currency, citation })
}

/// Art 7(2): re-routed and arriving late by at most the band's threshold.
fn halved(full: i64, arrival_delay: Option<Duration>, within: Duration, policy: &Policy) -> i64 {
    match arrival_delay {
        Some(d) if policy.compensation.eu_art_7_2_reduction && d <= within => full / 2,
        _ => full,
    }
}

/// APPR s.14: care after a 2-hour wait when within the carrier's control
/// (s.11, s.12) and the passenger was told less than 12 h before departure.
fn appr_care(f: &Facts<'_>, r: &ApprRules, policy: &Policy, control: Control, b: &mut Builder) -> bool {
    let s = f.s;
    if control == Control::Outside {
        return false;
    }
    if s.informed_at
        .is_some_and(|i| s.scheduled_departure - i >= Duration::minutes(r.care_when_told_within_minutes))
    {
        return false;
    }
    let src = Source::Regime(Regime::Appr);
    let immediate = s.disruption == DisruptionKind::DeniedBoarding;
    let two_hours = Duration::minutes(r.care_after_minutes);
    if immediate || f.wait_reaches(two_hours) {
        let from =
            if immediate { f.told().min(s.scheduled_departure) } else { s.scheduled_departure + two_hours };
        b.meals_and_calls(from, src, "SOR/2019-150 s.14(1)(a)", "SOR/2019-150 s.14(1)(b)", false);
        // s.14(2): a hotel when the wait runs overnight, from the same 2-hour
        // mark (the policy says what "overnight" is, never when it starts).
        if f.overnight_default(policy) {
            b.hotel(from, src, "SOR/2019-150 s.14(2)", "SOR/2019-150 s.14(2)", false);
        }
    }
    true
}

fn appr_compensation(
    f: &Facts<'_>,
    r: &ApprRules,
    policy: &Policy,
    control: Control,
) -> Option<Compensation> {
    let s = f.s;
    if control != Control::Carrier || s.notice_days.is_some_and(|d| d >= 14) {
        return None;
    }
    let large = match s.carrier_size {
        Some(size) => size == CarrierSize::Large,
        None => match s.carrier_record.and_then(|c| c.appr_size) {
            Some(size) => size == ApprSize::Large,
            None => policy.compensation.appr_default_carrier_size == CarrierSize::Large,
        },
    };
    // Without a re-route the passenger reaches the destination no sooner than the top tier.
    let d = f.arrival_delay.unwrap_or(Duration::hours(24));
    let (amount, citation) = match s.disruption {
        DisruptionKind::DeniedBoarding => {
            // The highest tier the arrival delay reaches (the first starts at 0).
            let a = r
                .denied_boarding_tiers
                .iter()
                .rev()
                .find(|(from, _)| d >= Duration::minutes(*from))
                .map_or(r.denied_boarding_tiers[0].1, |t| t.1);
            (a, "SOR/2019-150 s.20(1)")
        }
        _ => {
            // Below the first tier: nothing.
            let &(_, l, sm) =
                r.delay_tiers.iter().rev().find(|(from, _, _)| d >= Duration::minutes(*from))?;
            (
                if large { l } else { sm },
                if large { "SOR/2019-150 s.19(1)(a)" } else { "SOR/2019-150 s.19(1)(b)" },
            )
        }
    };
    Some(Compensation { regime: Regime::Appr, amount_minor: amount, currency: "CAD", citation })
}

/// US DOT dashboard commitments: a meal voucher at 3 h, hotel and ground
/// transport overnight, for delays the carrier controls.
fn us_care(f: &Facts<'_>, r: &UsDotRules, policy: &Policy, control: Control, b: &mut Builder) -> bool {
    let s = f.s;
    if control == Control::Outside {
        return false;
    }
    let src = Source::Regime(Regime::UsDot);
    let three = Duration::minutes(r.meal_after_minutes);
    let eligible = match s.disruption {
        DisruptionKind::Delay | DisruptionKind::Diversion => f.expected_delay.is_some_and(|d| d >= three),
        _ => f.wait_reaches(three),
    };
    if eligible {
        let from = f.told().min(s.scheduled_departure + three);
        b.add(
            CareKind::Meal,
            1,
            from,
            src,
            "US DOT dashboard: meal voucher for a controllable delay of 3 hours or more",
            false,
        );
        b.anchor_meal(s.scheduled_departure + three);
        // An overnight cancellation's hotel as soon as the next-day
        // rebooking is known; a delay's from the policy's evening hour.
        let hotel_from = if s.disruption == DisruptionKind::Cancellation {
            f.told().min(s.scheduled_departure)
        } else {
            (s.scheduled_departure + three).max(f.evening(policy))
        };
        if f.overnight_default(policy)
            || (s.disruption == DisruptionKind::Cancellation && f.new_departure.is_none())
        {
            b.hotel(
                hotel_from,
                src,
                "US DOT dashboard: complimentary hotel for an overnight controllable delay",
                "US DOT dashboard: ground transportation to and from the hotel",
                false,
            );
        }
    }
    true
}

/// China 2016 Art 29: the rules set no hours, the policy's timeline applies.
/// Carrier causes: free. Other causes: the carrier arranges, the passenger pays.
/// Art 29(4): a domestic diversion, whatever the cause, is cared for free.
fn cn_care(f: &Facts<'_>, policy: &Policy, passenger_pays: bool, domestic_diversion: bool, b: &mut Builder) {
    let s = f.s;
    let src = Source::Regime(Regime::CnMot2016);
    let first = Duration::minutes(policy.care.first_meal_after_minutes as i64);
    let citation = if domestic_diversion {
        "航班正常管理规定 第二十九条(四)"
    } else if passenger_pays {
        "航班正常管理规定 第二十九条(二)"
    } else {
        "航班正常管理规定 第二十九条(一)"
    };
    let immediate = s.disruption == DisruptionKind::DeniedBoarding;
    if immediate || f.wait_reaches(first) {
        let from =
            if immediate { f.told().min(s.scheduled_departure) } else { s.scheduled_departure + first };
        b.add(CareKind::Meal, 1, from, src, citation, passenger_pays);
        if f.overnight_default(policy) {
            // A cancellation rebooked overnight: the hotel once that is known.
            let hotel_from = if s.disruption == DisruptionKind::Cancellation {
                f.told().min(s.scheduled_departure)
            } else {
                from.max(f.evening(policy))
            };
            b.add(CareKind::Hotel, 1, hotel_from, src, citation, passenger_pays);
            b.add(CareKind::Transport, 1, hotel_from, src, citation, passenger_pays);
        }
    }
}

/// ANAC Res. 400 Art 27: more than 1 h communication, more than 2 h food,
/// more than 4 h lodging when an overnight stay is needed (or for special
/// assistance), with transfers; a passenger living in the departure city may
/// be taken home instead. Any cause.
fn anac_care(f: &Facts<'_>, r: &AnacRules, b: &mut Builder) {
    let s = f.s;
    let src = Source::Regime(Regime::Anac400);
    let just_after = |m: i64| s.scheduled_departure + Duration::minutes(m) + Duration::seconds(1);
    let (call, meal, lodging) =
        (r.communication_after_minutes, r.meal_after_minutes, r.lodging_after_minutes);
    if f.wait_exceeds(Duration::minutes(call)) {
        b.add(CareKind::Communication, 1, just_after(call), src, "ANAC Res. 400 Art 27, I", false);
    }
    if f.wait_exceeds(Duration::minutes(meal)) {
        b.add(CareKind::Meal, 1, just_after(meal), src, "ANAC Res. 400 Art 27, II", false);
    }
    if f.wait_exceeds(Duration::minutes(lodging)) {
        let overnight = f.new_departure.is_none_or(|d| f.local_day(d) > f.local_day(s.scheduled_departure));
        if overnight || s.passenger.special_assistance {
            // III: lodging and transfer when a night away is needed; §2: for
            // special assistance even without one; §1: a passenger living in
            // the departure city may be taken home instead of to a hotel.
            let lodging =
                if overnight { "ANAC Res. 400 Art 27, III" } else { "ANAC Res. 400 Art 27, III and §2" };
            if !s.passenger.lives_in_departure_city {
                b.add(CareKind::Hotel, 1, just_after(r.lodging_after_minutes), src, lodging, false);
                b.add(CareKind::Transport, 1, just_after(r.lodging_after_minutes), src, lodging, false);
            } else {
                b.add(
                    CareKind::Transport,
                    1,
                    just_after(r.lodging_after_minutes),
                    src,
                    "ANAC Res. 400 Art 27, III and §1",
                    false,
                );
            }
        }
    }
}

/// Further meals every `meal_interval_minutes` after the first, while the
/// passenger still waits: "in reasonable relation to the waiting time".
fn add_policy_meals(f: &Facts<'_>, policy: &Policy, b: &mut Builder) {
    let interval = Duration::minutes(policy.care.meal_interval_minutes as i64);
    // One series of meals, anchored on the earliest first meal's threshold.
    let Some((anchor, source, pays)) = b
        .items
        .iter()
        .filter(|i| i.kind == CareKind::Meal && i.ordinal == 1)
        .map(|i| (i.anchor.max(f.s.scheduled_departure), i.source, i.passenger_pays))
        .min_by_key(|(t, _, _)| *t)
    else {
        return;
    };
    if b.items.iter().any(|i| i.kind == CareKind::Meal && i.ordinal > 1) {
        return;
    }
    let until = match f.new_departure {
        Some(d) => d,
        None => f.s.at.max(anchor) + Duration::hours(24),
    };
    let citation = match source {
        Source::Regime(Regime::Eu261) => "EU261 Art 9(1)(a): meals in relation to the waiting time",
        Source::Regime(Regime::Uk261) => "UK261 Art 9(1)(a): meals in relation to the waiting time",
        _ => "Airline care policy: a further meal while the wait goes on",
    };
    let mut n = 2;
    let mut t = anchor + interval;
    // Bounded: at most a few days of meals.
    while t < until && n <= 12 {
        b.add(CareKind::Meal, n, t, source, citation, pays);
        n += 1;
        t += interval;
    }
}
