//! A deterministic demo day at Hong Kong (HKG): ~150 departures, ~30k
//! passengers, hotel blocks, lounges and agents, plus the seeds' CZ342
//! (HKG→KMG, 14 h technical delay, 180 passengers with three tour groups).
//!
//! Same [`DemoConfig`] in, same [`DemoDay`] out, on every machine: the
//! generator uses its own PRNG and takes the date instead of reading a clock.

mod names;
mod rng;
pub mod station;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use gatecare_bcbp::{BoardingPass, IssueDate, Leg};
use gatecare_core::{
    AirportCode, Cabin, CarrierCode, Currency, FlightDesignator, FlightNumber, LoyaltyTier, Money,
    PassengerName, Pnr, SpecialNeed,
};
use serde::Serialize;
use uuid::Uuid;

use crate::names::*;
use crate::rng::Rng;

pub const HUB: &str = "HKG";
pub const DEFAULT_SEED: u64 = 0x6A7E_CA2E;

/// Demo agents and their PINs, as documented in the README. Only demo data
/// uses these; the store keeps nothing but argon2id hashes.
pub const DEMO_AGENTS: &[(&str, &str, Role, &str)] = &[
    ("A1001", "Chan Ka Yan 陈嘉欣", Role::Agent, "246810"),
    ("A1002", "Li Ming 李明", Role::Agent, "135790"),
    ("S2001", "Wong Siu Fung 黄少峰", Role::Supervisor, "864200"),
    ("D3001", "Ho Mei Ling 何美玲", Role::DutyManager, "975310"),
];

#[derive(Debug, Clone, Copy)]
pub struct DemoConfig {
    /// The local date (at HKG) of the demo day.
    pub date: NaiveDate,
    pub seed: u64,
    /// How many departures besides CZ342 (the issue asks for ~150 in all).
    pub other_departures: usize,
}

impl DemoConfig {
    pub fn for_date(date: NaiveDate) -> Self {
        DemoConfig { date, seed: DEFAULT_SEED, other_departures: 149 }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoDay {
    pub station: AirportCode,
    pub date: NaiveDate,
    pub flights: Vec<Flight>,
    pub passengers: Vec<Passenger>,
    pub hotels: Vec<HotelBlock>,
    pub lounges: Vec<Lounge>,
    pub agents: Vec<Agent>,
    pub star_bands: Vec<StarBand>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Flight {
    pub id: Uuid,
    pub designator: FlightDesignator,
    pub origin: AirportCode,
    pub destination: AirportCode,
    pub scheduled_departure: DateTime<Utc>,
    pub scheduled_arrival: DateTime<Utc>,
    pub gate: String,
    pub aircraft: &'static str,
    pub cabins: Vec<CabinLoad>,
    pub disruption: Option<Disruption>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CabinLoad {
    pub cabin: Cabin,
    pub seats: u16,
    pub booked: u16,
}

pub use gatecare_core::DisruptionKind;

#[derive(Debug, Clone, Serialize)]
pub struct Disruption {
    pub kind: DisruptionKind,
    /// A cause category of the care engine's vocabulary ("technical", "weather", …).
    pub cause: &'static str,
    pub expected_departure: Option<DateTime<Utc>>,
    pub expected_arrival: Option<DateTime<Utc>>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Passenger {
    pub id: Uuid,
    pub flight_id: Uuid,
    pub name: PassengerName,
    pub pnr: Pnr,
    pub ticket_number: String,
    pub cabin: Cabin,
    /// Booking class letter (fare bucket): F/J/C/D/W/Y/B/M/H/K/L/Q/T/V.
    pub booking_class: char,
    pub seat: Option<String>,
    pub check_in_sequence: u32,
    pub birth_year: i32,
    pub nationality: &'static str,
    pub lives_in_departure_city: bool,
    pub loyalty: Option<Loyalty>,
    pub profile: StarProfile,
    pub needs: Vec<SpecialNeed>,
    pub group: Option<GroupMembership>,
    /// IATA BCBP text of this passenger's boarding pass, for kiosk scans.
    pub boarding_pass: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Loyalty {
    pub airline: CarrierCode,
    pub number: String,
    pub tier: LoyaltyTier,
    pub miles: u32,
}

/// What the star rating reads (`gatecare_policy::stars`). Raw facts, not points:
/// the care engine turns them into a score with the airline's weights.
#[derive(Debug, Clone, Serialize)]
pub struct StarProfile {
    pub complaints_filed: u8,
    /// 0 (easy-going) to 3 (very sensitive to service).
    pub service_sensitivity: u8,
    pub flights_last_12_months: u16,
    /// Share of flights on weekdays, in percent (business pattern).
    pub weekday_share_pct: u8,
    pub channel: SalesChannel,
    pub occupation: &'static str,
    /// What front-line staff learned in person.
    pub staff_notes: Vec<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SalesChannel {
    Direct,
    Agent,
    OnlineTravelSite,
}

impl SalesChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            SalesChannel::Direct => "direct",
            SalesChannel::Agent => "agent",
            SalesChannel::OnlineTravelSite => "online_travel_site",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupMembership {
    pub group_id: Uuid,
    pub group_name: String,
    pub leader: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct HotelBlock {
    pub id: Uuid,
    pub name: &'static str,
    pub name_zh: &'static str,
    pub address: &'static str,
    pub stars: u8,
    pub rooms_total: u16,
    pub rooms_left: u16,
    pub rate: Money,
    pub transport: &'static str,
    pub valid_from: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Lounge {
    pub id: Uuid,
    pub name: &'static str,
    pub operator: CarrierCode,
    pub location: &'static str,
    pub opens: NaiveTime,
    pub closes: NaiveTime,
}

pub use gatecare_core::Role;

#[derive(Debug, Clone, Serialize)]
pub struct Agent {
    pub id: Uuid,
    pub code: &'static str,
    pub name: &'static str,
    pub role: Role,
    pub station: AirportCode,
    #[serde(skip)]
    pub pin: &'static str,
}

/// Default star bands: a score at or above `min_score` earns `stars`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct StarBand {
    pub stars: u8,
    pub min_score: u8,
}

pub const DEFAULT_STAR_BANDS: &[StarBand] = &[
    StarBand { stars: 6, min_score: 85 },
    StarBand { stars: 5, min_score: 70 },
    StarBand { stars: 4, min_score: 55 },
    StarBand { stars: 3, min_score: 40 },
    StarBand { stars: 2, min_score: 25 },
    StarBand { stars: 1, min_score: 0 },
];

/// Routes out of HKG: destination, carrier, flight-number base, aircraft.
const ROUTES: &[(&str, &str, u16)] = &[
    ("PEK", "CA", 110),
    ("PVG", "MU", 502),
    ("CAN", "CZ", 3070),
    ("CTU", "3U", 8692),
    ("SZX", "ZH", 9052),
    ("XMN", "MF", 8034),
    ("HGH", "CA", 624),
    ("CKG", "CZ", 3098),
    ("WUH", "CZ", 3096),
    ("NKG", "MU", 724),
    ("TPE", "CX", 400),
    ("TPE", "CI", 902),
    ("MFM", "NX", 105),
    ("NRT", "CX", 500),
    ("HND", "NH", 860),
    ("KIX", "CX", 506),
    ("ICN", "KE", 608),
    ("ICN", "CX", 410),
    ("SIN", "SQ", 861),
    ("SIN", "CX", 715),
    ("BKK", "TG", 601),
    ("BKK", "CX", 701),
    ("MNL", "CX", 905),
    ("SGN", "VN", 595),
    ("KUL", "CX", 721),
    ("DEL", "CX", 695),
    ("SYD", "QF", 118),
    ("SYD", "CX", 101),
    ("MEL", "CX", 105),
    ("DXB", "EK", 381),
    ("DOH", "QR", 815),
    ("IST", "TK", 71),
    ("LHR", "CX", 255),
    ("LHR", "BA", 32),
    ("FRA", "LH", 797),
    ("AMS", "KL", 888),
    ("CDG", "AF", 185),
    ("ZRH", "LX", 139),
    ("HEL", "AY", 70),
    ("YVR", "AC", 8),
    ("YYZ", "AC", 16),
    ("SFO", "UA", 862),
    ("LAX", "CX", 880),
    ("JFK", "CX", 840),
    ("ORD", "CX", 806),
    ("KMG", "CZ", 3404),
    ("KMG", "MU", 5702),
    ("TAO", "SC", 4812),
    ("HAK", "HU", 7150),
    ("DLC", "CZ", 6052),
    ("SHE", "CZ", 6068),
    ("XIY", "HO", 1030),
];

const CN_NATIONALITIES: &[&str] = &["CN", "CN", "CN", "HK"];
const OTHER_NATIONALITIES: &[&str] = &["GB", "US", "DE", "FR", "AU", "JP", "KR", "CA", "NL", "SG"];

const GATES: &[&str] = &[
    "1", "2", "3", "5", "6", "8", "12", "15", "16", "20", "23", "25", "28", "33", "35", "40", "42", "45",
    "60", "62", "64", "66", "68", "70", "201", "203", "205", "207", "209", "211",
];

/// Generates the demo day.
pub fn generate(config: DemoConfig) -> DemoDay {
    let mut rng = Rng::new(config.seed ^ (config.date.num_days_from_ce() as u64).wrapping_mul(31));
    let hub_code = AirportCode::parse(HUB).unwrap_or_else(|_| unreachable!("HKG is a valid code"));
    let tz: Tz = chrono_tz::Asia::Hong_Kong;
    let local = |h: u32, m: u32, day_offset: i64| -> DateTime<Utc> {
        let naive = (config.date + Duration::days(day_offset)).and_hms_opt(h, m, 0).unwrap_or_default();
        // Hong Kong has no daylight saving: every local time exists once.
        tz.from_local_datetime(&naive).single().map_or(DateTime::<Utc>::UNIX_EPOCH, |t| t.with_timezone(&Utc))
    };
    let day_start_ms = local(0, 0, 0).timestamp_millis();

    let mut ids = IdSource { rng: Rng::new(config.seed.rotate_left(17)), base_ms: day_start_ms, counter: 0 };
    let mut g = Generator {
        rng: &mut rng,
        ids: &mut ids,
        date: config.date,
        pnr_seen: Default::default(),
        ff_seen: Default::default(),
        ticket_seq: 2_400_000_000,
    };

    let mut flights = Vec::new();
    let mut passengers = Vec::new();

    // The seeds' CZ342 first: HKG 13:30 → KMG, new expected departure 03:30 next day.
    let cz342 = g.flight(
        "CZ",
        342,
        "KMG",
        local(13, 30, 0),
        "A321",
        "28",
        Some(Disruption {
            kind: DisruptionKind::Delay,
            cause: "technical",
            expected_departure: Some(local(3, 30, 1)),
            expected_arrival: None,
            recorded_at: local(12, 45, 0),
            recorded_by: "D3001",
        }),
        &[(Cabin::Business, 16, 12), (Cabin::Economy, 174, 168)],
    );
    passengers.extend(g.cz342_passengers(&cz342));
    flights.push(cz342);

    // A designator flies once a day: skip numbers already taken.
    let mut used: std::collections::HashSet<(&str, u16)> = [("CZ", 342)].into_iter().collect();
    for i in 0..config.other_departures {
        let (dest, carrier, base) = ROUTES[i % ROUTES.len()];
        let mut number = base + (i / ROUTES.len()) as u16 * 2;
        while !used.insert((carrier, number)) {
            number = if number >= 9990 { 1 } else { number + 10 };
        }
        // Departures spread from 06:00 to 23:50 local.
        let minutes = 6 * 60 + (i as u32 * (18 * 60 - 10)) / config.other_departures.max(1) as u32;
        let dep = local(minutes / 60, (minutes % 60) / 5 * 5, 0);
        let (aircraft, layout) = g.aircraft_for(dest);
        let disruption = g.maybe_disruption(i, dep);
        let gate = *g.rng.pick(GATES);
        let f = g.flight(carrier, number, dest, dep, aircraft, gate, disruption, &layout);
        passengers.extend(g.passengers_for(&f));
        flights.push(f);
    }

    let hotels = hotel_blocks(&mut g, local(12, 0, 0), local(12, 0, 2));
    let lounges = lounges(&mut g);
    let agents = DEMO_AGENTS
        .iter()
        .map(|&(code, name, role, pin)| Agent {
            id: g.ids.next(),
            code,
            name,
            role,
            station: hub_code.clone(),
            pin,
        })
        .collect();

    DemoDay {
        station: hub_code,
        date: config.date,
        flights,
        passengers,
        hotels,
        lounges,
        agents,
        star_bands: DEFAULT_STAR_BANDS.to_vec(),
    }
}

/// UUIDv7 ids whose timestamps sit on the demo day and whose random bits come
/// from the seeded generator, so ids are stable across runs.
struct IdSource {
    rng: Rng,
    base_ms: i64,
    counter: u64,
}

impl IdSource {
    fn next(&mut self) -> Uuid {
        self.counter += 1;
        let ms = (self.base_ms.max(0) as u64) + self.counter / 64;
        uuid::Builder::from_unix_timestamp_millis(ms, &self.rng.bytes::<10>()).into_uuid()
    }
}

struct Generator<'a> {
    rng: &'a mut Rng,
    ids: &'a mut IdSource,
    date: NaiveDate,
    pnr_seen: std::collections::HashSet<String>,
    ff_seen: std::collections::HashSet<String>,
    ticket_seq: u64,
}

type Layout = Vec<(Cabin, u16, u16)>;

impl Generator<'_> {
    #[allow(clippy::too_many_arguments)]
    fn flight(
        &mut self,
        carrier: &str,
        number: u16,
        dest: &str,
        dep: DateTime<Utc>,
        aircraft: &'static str,
        gate: &str,
        disruption: Option<Disruption>,
        layout: &[(Cabin, u16, u16)],
    ) -> Flight {
        let origin = code(HUB);
        let destination = code(dest);
        let km = match (gatecare_reference::airport(&origin), gatecare_reference::airport(&destination)) {
            (Some(a), Some(b)) => gatecare_reference::great_circle_km(a, b),
            _ => 1500.0,
        };
        // Block time: 30 min taxi and climb plus 820 km/h, rounded to 5 min.
        let block_min = ((30.0 + km / 820.0 * 60.0) / 5.0).round() as i64 * 5;
        let mut disruption = disruption;
        if let Some(d) = disruption.as_mut()
            && d.expected_arrival.is_none()
        {
            d.expected_arrival = d.expected_departure.map(|t| t + Duration::minutes(block_min));
        }
        let designator = FlightDesignator::new(
            CarrierCode::parse(carrier).unwrap_or_else(|_| unreachable!("route table carriers are valid")),
            FlightNumber::parse(&number.to_string())
                .unwrap_or_else(|_| unreachable!("route numbers are 1-9999")),
        );
        Flight {
            id: self.ids.next(),
            designator,
            origin,
            destination,
            scheduled_departure: dep,
            scheduled_arrival: dep + Duration::minutes(block_min),
            gate: gate.to_owned(),
            aircraft,
            cabins: layout.iter().map(|&(cabin, seats, booked)| CabinLoad { cabin, seats, booked }).collect(),
            disruption,
        }
    }

    fn aircraft_for(&mut self, dest: &str) -> (&'static str, Layout) {
        let far = matches!(
            dest,
            "LHR"
                | "FRA"
                | "AMS"
                | "CDG"
                | "ZRH"
                | "HEL"
                | "YVR"
                | "YYZ"
                | "SFO"
                | "LAX"
                | "JFK"
                | "ORD"
                | "SYD"
                | "MEL"
                | "DXB"
                | "DOH"
                | "IST"
                | "DEL"
        );
        let mut load =
            |seats: u16, lo: i64, hi: i64| -> u16 { (seats as i64 * self.rng.range(lo, hi) / 100) as u16 };
        if far {
            let layout = vec![
                (Cabin::First, 6, load(6, 30, 100)),
                (Cabin::Business, 40, load(40, 60, 100)),
                (Cabin::PremiumEconomy, 32, load(32, 60, 100)),
                (Cabin::Economy, 200, load(200, 72, 98)),
            ];
            ("B77W", layout)
        } else if matches!(
            dest,
            "NRT" | "HND" | "KIX" | "ICN" | "SIN" | "BKK" | "TPE" | "PEK" | "PVG" | "MNL" | "KUL"
        ) {
            ("A333", vec![(Cabin::Business, 24, load(24, 50, 100)), (Cabin::Economy, 260, load(260, 70, 98))])
        } else {
            ("A320", vec![(Cabin::Business, 8, load(8, 40, 100)), (Cabin::Economy, 150, load(150, 70, 98))])
        }
    }

    fn maybe_disruption(&mut self, i: usize, dep: DateTime<Utc>) -> Option<Disruption> {
        // About one departure in eight is disrupted; causes vary.
        if i % 8 != 3 {
            return None;
        }
        let causes = ["weather", "atc", "technical", "crew", "airport", "scheduling"];
        let cause = *self.rng.pick(&causes);
        let cancelled = self.rng.chance(120);
        let delay = Duration::minutes(self.rng.range(9, 60) * 10);
        Some(Disruption {
            kind: if cancelled { DisruptionKind::Cancellation } else { DisruptionKind::Delay },
            cause,
            expected_departure: (!cancelled).then_some(dep + delay),
            expected_arrival: None,
            recorded_at: dep - Duration::minutes(90),
            recorded_by: "S2001",
        })
    }

    fn pnr(&mut self) -> Pnr {
        // Record locators avoid 0/O and 1/I, as reservation systems do.
        const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        loop {
            let s: String = (0..6).map(|_| *self.rng.pick(ALPHABET) as char).collect();
            if self.pnr_seen.insert(s.clone()) {
                return Pnr::parse(&s).unwrap_or_else(|_| unreachable!("6 alphanumerics"));
            }
        }
    }

    fn chinese_name(&mut self) -> PassengerName {
        let (s_zh, s_py) = *self.rng.pick(CN_SURNAMES);
        let (g_zh, g_py) = *self.rng.pick(CN_GIVEN);
        PassengerName::parse(s_py, g_py, Some(&format!("{s_zh}{g_zh}")))
            .unwrap_or_else(|_| unreachable!("name pools are valid"))
    }

    fn latin_name(&mut self) -> PassengerName {
        let s = *self.rng.pick(LATIN_SURNAMES);
        let g = *self.rng.pick(LATIN_GIVEN);
        PassengerName::parse(s, g, None).unwrap_or_else(|_| unreachable!("name pools are valid"))
    }

    fn cz342_passengers(&mut self, f: &Flight) -> Vec<Passenger> {
        let mut out = Vec::with_capacity(180);
        // Three tour groups (38, 24, 60) travel in economy under a leader.
        for (size, name) in [
            (38, "昆明旅游团 A / Kunming Tour A"),
            (24, "云南之旅 B / Yunnan Tour B"),
            (60, "春城旅行团 C / Spring City Tour C"),
        ] {
            let group_id = self.ids.next();
            let pnr = self.pnr();
            for k in 0..size {
                let mut p = self.passenger(f, Cabin::Economy, true, Some(&pnr));
                p.profile.channel = SalesChannel::Agent;
                p.group = Some(GroupMembership { group_id, group_name: name.to_owned(), leader: k == 0 });
                out.push(p);
            }
        }
        // About 60 individuals, with the needs the priority order is about.
        for k in 0..58 {
            let cabin = if k < 12 { Cabin::Business } else { Cabin::Economy };
            let mut p = self.passenger(f, cabin, k % 5 != 4, None);
            match k {
                3 => p.needs = vec![SpecialNeed::Wheelchair],
                7 => {
                    p.needs = vec![SpecialNeed::UnaccompaniedMinor];
                    p.birth_year = self.date.year_ce().1 as i32 - 10;
                }
                15 | 16 => p.needs = vec![SpecialNeed::Infant],
                20 => {
                    p.needs = vec![SpecialNeed::Elderly];
                    p.birth_year = self.date.year_ce().1 as i32 - 81;
                }
                // A six-star profile: a frequent business traveller in J.
                1 => make_top_customer(&mut p),
                _ => {}
            }
            out.push(p);
        }
        renumber(&mut out, f, self.date, &mut self.ticket_seq);
        out
    }

    fn passengers_for(&mut self, f: &Flight) -> Vec<Passenger> {
        let mut out = Vec::new();
        let chinese_share = match f.destination.as_str() {
            "PEK" | "PVG" | "CAN" | "CTU" | "SZX" | "XMN" | "HGH" | "CKG" | "WUH" | "NKG" | "KMG" | "TAO"
            | "HAK" | "DLC" | "SHE" | "XIY" => 850,
            "TPE" | "MFM" | "SIN" | "KUL" => 500,
            _ => 300,
        };
        for load in &f.cabins {
            let mut k = 0;
            while k < load.booked {
                // Families and couples share a PNR.
                let party = if self.rng.chance(250) { self.rng.range(2, 4) as u16 } else { 1 };
                let party = party.min(load.booked - k);
                let pnr = self.pnr();
                let family = party >= 3 && load.cabin == Cabin::Economy;
                for m in 0..party {
                    let chinese = self.rng.chance(chinese_share);
                    let mut p = self.passenger(f, load.cabin, chinese, Some(&pnr));
                    if family && m == party - 1 && self.rng.chance(300) {
                        p.needs.push(SpecialNeed::Infant);
                    }
                    out.push(p);
                }
                k += party;
            }
        }
        renumber(&mut out, f, self.date, &mut self.ticket_seq);
        out
    }

    fn passenger(&mut self, f: &Flight, cabin: Cabin, chinese: bool, pnr: Option<&Pnr>) -> Passenger {
        let name = if chinese { self.chinese_name() } else { self.latin_name() };
        let year = self.date.year_ce().1 as i32;
        let birth_year = year - self.rng.range(18, 75) as i32;
        let booking_class = match cabin {
            Cabin::First => *self.rng.pick(&['F', 'A']),
            Cabin::Business => *self.rng.pick(&['J', 'C', 'D', 'I']),
            Cabin::PremiumEconomy => *self.rng.pick(&['W', 'R']),
            Cabin::Economy => *self.rng.pick(&['Y', 'B', 'M', 'H', 'K', 'L', 'Q', 'T', 'V']),
        };
        let frequent = match cabin {
            Cabin::First | Cabin::Business => self.rng.chance(750),
            _ => self.rng.chance(350),
        };
        let flights_last_12_months =
            if frequent { self.rng.range(6, 80) as u16 } else { self.rng.range(0, 6) as u16 };
        let loyalty = (frequent || self.rng.chance(150)).then(|| {
            let tier = match flights_last_12_months {
                50.. => LoyaltyTier::Platinum,
                30..=49 => LoyaltyTier::Gold,
                15..=29 => LoyaltyTier::Silver,
                _ => LoyaltyTier::None,
            };
            let number = loop {
                let n = format!("{}{:09}", f.designator.carrier, self.rng.below(1_000_000_000));
                if self.ff_seen.insert(n.clone()) {
                    break n;
                }
            };
            Loyalty {
                airline: f.designator.carrier.clone(),
                number,
                tier,
                miles: (flights_last_12_months as u32) * self.rng.range(1500, 6000) as u32,
            }
        });
        let mut staff_notes = Vec::new();
        if frequent && self.rng.chance(200) {
            staff_notes.push("flies_rivals_often");
        }
        if frequent && self.rng.chance(100) {
            staff_notes.push("international_potential");
        }
        let occupation =
            if frequent { self.rng.pick(&OCCUPATIONS[..9]).0 } else { self.rng.pick(OCCUPATIONS).0 };
        let needs = if self.rng.chance(8) {
            vec![SpecialNeed::Wheelchair]
        } else if year - birth_year >= 75 || self.rng.chance(10) {
            vec![SpecialNeed::Elderly]
        } else {
            vec![]
        };
        Passenger {
            id: self.ids.next(),
            flight_id: f.id,
            name,
            pnr: pnr.cloned().unwrap_or_else(|| self.pnr()),
            ticket_number: String::new(),
            cabin,
            booking_class,
            seat: None,
            check_in_sequence: 0,
            birth_year,
            nationality: if chinese {
                CN_NATIONALITIES[self.rng.below(CN_NATIONALITIES.len() as u64) as usize]
            } else {
                OTHER_NATIONALITIES[self.rng.below(OTHER_NATIONALITIES.len() as u64) as usize]
            },
            lives_in_departure_city: self.rng.chance(200),
            loyalty,
            profile: StarProfile {
                complaints_filed: if self.rng.chance(60) { self.rng.range(1, 3) as u8 } else { 0 },
                service_sensitivity: self.rng.range(0, 3) as u8,
                flights_last_12_months,
                weekday_share_pct: if frequent {
                    self.rng.range(55, 95) as u8
                } else {
                    self.rng.range(10, 60) as u8
                },
                channel: *self.rng.pick(&[
                    SalesChannel::Direct,
                    SalesChannel::Agent,
                    SalesChannel::OnlineTravelSite,
                ]),
                occupation,
                staff_notes,
            },
            needs,
            group: None,
            boarding_pass: String::new(),
        }
    }
}

fn make_top_customer(p: &mut Passenger) {
    p.booking_class = 'J';
    p.profile.flights_last_12_months = 96;
    p.profile.weekday_share_pct = 90;
    p.profile.channel = SalesChannel::Direct;
    p.profile.occupation = "executive";
    p.profile.service_sensitivity = 3;
    p.profile.staff_notes = vec!["flies_rivals_often", "international_potential"];
    p.loyalty = Some(Loyalty {
        airline: code_carrier("CZ"),
        number: "CZ880000001".into(),
        tier: LoyaltyTier::Platinum,
        miles: 1_240_000,
    });
}

/// Seats, check-in sequence, ticket numbers and boarding passes, once the
/// passenger list of a flight is final.
fn renumber(ps: &mut [Passenger], f: &Flight, date: NaiveDate, tickets: &mut u64) {
    let doy = date.ordinal() as u16;
    let airline_numeric = airline_numeric_code(f.designator.carrier.as_str());
    let mut row_by_cabin = [(1u16, 0u8); 4];
    for (seq, p) in ps.iter_mut().enumerate() {
        let first_row = match p.cabin {
            Cabin::First => 1,
            Cabin::Business => 11,
            Cabin::PremiumEconomy => 21,
            Cabin::Economy => 31,
        };
        let slot = &mut row_by_cabin[p.cabin as usize];
        let letters = b"ABCDEFGHJK";
        let per_row = match p.cabin {
            Cabin::First => 4,
            Cabin::Business => 4,
            _ => 6,
        };
        let seat = format!("{:03}{}", first_row + slot.0 - 1, letters[slot.1 as usize] as char);
        slot.1 += 1;
        if slot.1 as usize >= per_row {
            slot.1 = 0;
            slot.0 += 1;
        }
        p.check_in_sequence = seq as u32 + 1;
        p.seat = Some(seat);
        // Ticket numbers are unique: a running document serial.
        *tickets += 1;
        p.ticket_number = format!("{airline_numeric}{:010}", *tickets % 10_000_000_000);
        let mut leg = Leg::mandatory(
            p.pnr.as_str(),
            f.origin.as_str(),
            f.destination.as_str(),
            f.designator.carrier.as_str(),
            f.designator.number.as_str(),
            doy,
            p.booking_class,
        );
        leg.seat = p.seat.clone();
        // A lap infant's pass has no seat and, as real ones do, a blank compartment.
        if p.needs.contains(&SpecialNeed::Infant) {
            leg.compartment = None;
            leg.seat = None;
        }
        leg.check_in_sequence = Some(p.check_in_sequence);
        leg.airline_numeric_code = Some(airline_numeric.to_owned());
        leg.document_serial = Some(p.ticket_number[3..].to_owned());
        if let Some(l) = &p.loyalty {
            leg.frequent_flyer_airline = Some(l.airline.to_string());
            leg.frequent_flyer_number = Some(l.number.clone());
        }
        let pass = BoardingPass {
            surname: ascii_fold(&p.name.surname),
            given_names: ascii_fold(&p.name.given_names),
            electronic_ticket: true,
            version: Some(6),
            passenger_description: Some('0'),
            check_in_source: Some('W'),
            boarding_pass_source: Some('W'),
            issue_date: Some(IssueDate {
                year_digit: (date.year_ce().1 % 10) as u8,
                day_of_year: (date.ordinal0() as u16).max(1),
            }),
            document_type: Some('B'),
            issuer: Some(f.designator.carrier.to_string()),
            baggage_tags: vec![],
            legs: vec![leg],
            security: None,
        };
        p.boarding_pass = gatecare_bcbp::encode(&pass).unwrap_or_default();
    }
}

/// Boarding passes are ASCII: fold accents the way check-in systems do
/// (MÜLLER → MULLER) and drop what cannot be folded.
pub fn ascii_fold(s: &str) -> String {
    gatecare_core::fold_to_ascii(s).replace('-', " ")
}

fn airline_numeric_code(carrier: &str) -> &'static str {
    match carrier {
        "CZ" => "784",
        "CX" => "160",
        "CA" => "999",
        "MU" => "781",
        "KL" => "074",
        "AF" => "057",
        "LH" => "220",
        "BA" => "125",
        "AC" => "014",
        "UA" => "016",
        "QF" => "081",
        "SQ" => "618",
        _ => "999",
    }
}

fn code(s: &str) -> AirportCode {
    AirportCode::parse(s).unwrap_or_else(|_| unreachable!("route table airports are valid"))
}

fn code_carrier(s: &str) -> CarrierCode {
    CarrierCode::parse(s).unwrap_or_else(|_| unreachable!("carrier literals are valid"))
}

fn hotel_blocks(g: &mut Generator<'_>, from: DateTime<Utc>, until: DateTime<Utc>) -> Vec<HotelBlock> {
    let hkd = Currency::parse("HKD").unwrap_or_else(|_| unreachable!("HKD is ISO 4217"));
    [
        (
            "Regal Airport Hotel",
            "富豪机场酒店",
            "9 Cheong Tat Road, Chek Lap Kok, Hong Kong",
            5,
            60,
            95000,
            "Covered walkway from Terminal 1, 5 minutes on foot",
        ),
        (
            "Hong Kong SkyCity Marriott Hotel",
            "香港天际万豪酒店",
            "1 Sky City Road East, Lantau, Hong Kong",
            5,
            40,
            110000,
            "Hotel shuttle from Terminal 1 bay 1 every 15 minutes",
        ),
        (
            "Novotel Citygate Hong Kong",
            "香港东荟城诺富特酒店",
            "51 Man Tung Road, Tung Chung, Hong Kong",
            4,
            80,
            78000,
            "Bus S1 from the Ground Transportation Centre, 10 minutes",
        ),
        (
            "Silka Far East Hong Kong",
            "丝丽酒店",
            "135-143 Castle Peak Road, Tsuen Wan, Hong Kong",
            3,
            50,
            52000,
            "Airline coach from Terminal 1 Gate A, 40 minutes",
        ),
    ]
    .into_iter()
    .map(|(name, name_zh, address, stars, rooms, rate, transport)| HotelBlock {
        id: g.ids.next(),
        name,
        name_zh,
        address,
        stars,
        rooms_total: rooms,
        rooms_left: rooms,
        rate: Money::new(rate, hkd),
        transport,
        valid_from: from,
        valid_until: until,
    })
    .collect()
}

fn lounges(g: &mut Generator<'_>) -> Vec<Lounge> {
    let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default();
    [
        ("The Pier, Business", "CX", "Terminal 1, near Gate 65", t(5, 30), t(0, 30)),
        ("The Wing, First", "CX", "Terminal 1, near Gate 2", t(5, 30), t(0, 30)),
        ("China Southern Lounge", "CZ", "Terminal 1, near Gate 23", t(6, 0), t(23, 0)),
        ("Plaza Premium Lounge (East Hall)", "CX", "Terminal 1, Level 7, near Gate 1", t(0, 0), t(23, 59)),
    ]
    .into_iter()
    .map(|(name, op, location, opens, closes)| Lounge {
        id: g.ids.next(),
        name,
        operator: code_carrier(op),
        location,
        opens,
        closes,
    })
    .collect()
}

use chrono::Datelike;

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> DemoDay {
        generate(DemoConfig::for_date(NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()))
    }

    #[test]
    fn is_deterministic() {
        let a = day();
        let b = day();
        assert_eq!(a.passengers.len(), b.passengers.len());
        assert_eq!(a.passengers[1234].boarding_pass, b.passengers[1234].boarding_pass);
        assert_eq!(a.flights[77].id, b.flights[77].id);
    }

    #[test]
    fn has_the_size_of_a_hub_day() {
        let d = day();
        assert_eq!(d.flights.len(), 150);
        assert!((25_000..=36_000).contains(&d.passengers.len()), "{}", d.passengers.len());
        let unique: std::collections::HashSet<_> = d.passengers.iter().map(|p| p.id).collect();
        assert_eq!(unique.len(), d.passengers.len());
        assert!(d.passengers.iter().all(|p| p.boarding_pass.starts_with("M1")));
        assert!(d.agents.iter().any(|a| a.role == Role::DutyManager));
        assert!(d.hotels.iter().all(|h| h.rooms_left > 0));
    }

    #[test]
    fn each_designator_flies_once_a_day() {
        let mut c = DemoConfig::for_date(NaiveDate::from_ymd_opt(2026, 11, 22).unwrap());
        c.other_departures = 2000;
        let d = generate(c);
        let mut seen = std::collections::HashSet::new();
        for f in &d.flights {
            assert!(seen.insert(f.designator.to_string()), "{} twice", f.designator);
        }
    }

    #[test]
    fn cz342_matches_the_seed_case() {
        let d = day();
        let f = d.flights.iter().find(|f| f.designator.to_string() == "CZ342").unwrap();
        let hk = chrono_tz::Asia::Hong_Kong;
        assert_eq!(f.origin.as_str(), "HKG");
        assert_eq!(f.destination.as_str(), "KMG");
        assert_eq!(f.scheduled_departure.with_timezone(&hk).format("%H:%M").to_string(), "13:30");
        let dis = f.disruption.as_ref().unwrap();
        assert_eq!(dis.cause, "technical");
        let exp = dis.expected_departure.unwrap();
        assert_eq!(exp - f.scheduled_departure, Duration::hours(14));
        assert_eq!(exp.with_timezone(&hk).format("%d %H:%M").to_string(), "23 03:30");
        let pax: Vec<_> = d.passengers.iter().filter(|p| p.flight_id == f.id).collect();
        assert_eq!(pax.len(), 180);
        let mut groups = std::collections::HashMap::<Uuid, (usize, usize)>::new();
        for p in &pax {
            if let Some(g) = &p.group {
                let e = groups.entry(g.group_id).or_default();
                e.0 += 1;
                e.1 += g.leader as usize;
            }
        }
        let mut sizes: Vec<_> = groups.values().map(|v| v.0).collect();
        sizes.sort();
        assert_eq!(sizes, vec![24, 38, 60]);
        assert!(groups.values().all(|v| v.1 == 1), "one leader per group");
        assert!(pax.iter().any(|p| p.needs.contains(&SpecialNeed::Wheelchair)));
        assert!(pax.iter().any(|p| p.needs.contains(&SpecialNeed::UnaccompaniedMinor)));
        assert!(pax.iter().any(|p| p.needs.contains(&SpecialNeed::Infant)));
        assert!(pax.iter().any(|p| p.name.native.as_deref().is_some_and(|n| n.chars().count() >= 2)));
    }

    #[test]
    fn ascii_fold_keeps_passes_ascii() {
        assert_eq!(ascii_fold("MÜLLER"), "MULLER");
        assert_eq!(ascii_fold("O'BRIEN"), "OBRIEN");
        assert_eq!(ascii_fold("NOVÁK"), "NOVAK");
    }
}
