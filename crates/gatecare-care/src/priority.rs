//! Who is served first, one order everywhere: legal
//! priority (reduced mobility, unaccompanied minors); then families with
//! infants and the elderly; then 5-6 star customers ("reach out first", seed
//! 001 §3.1); then by stars and tier. A group stands at the place of its
//! highest-placed member, under its leader. The order is stable and every
//! place carries its reason.
//!
//! The first place's reason names what it rests on for this flight (see
//! [`PriorityBasis`]): EU261 and UK261 Art 11(2) where they cover it; the
//! airline's care policy elsewhere, which gives the same order.

use gatecare_core::{LoyaltyTier, SpecialNeed};
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct PriorityInput {
    pub id: String,
    pub pnr: String,
    pub needs: Vec<SpecialNeed>,
    pub age: Option<u16>,
    pub stars: u8,
    pub tier: LoyaltyTier,
    pub group_id: Option<String>,
    pub group_leader: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum PriorityClass {
    LegalPriority,
    InfantOrElderly,
    TopCustomer,
    Standard,
}

#[derive(Debug, Clone, Serialize)]
pub struct Placed {
    pub id: String,
    /// 1-based place in the queue.
    pub place: usize,
    pub class: PriorityClass,
    pub reach_out_first: bool,
    pub legal_priority: bool,
    pub group_id: Option<String>,
    pub reason: String,
    /// The same reason in Chinese.
    pub reason_zh: String,
}

pub const ELDERLY_AGE: u16 = 70;

/// An individual's place: class, then more stars, then higher tier, then input order.
type Key = (PriorityClass, std::cmp::Reverse<u8>, std::cmp::Reverse<LoyaltyTier>, usize);

fn tier_zh(t: LoyaltyTier) -> &'static str {
    match t {
        LoyaltyTier::None => "非会员",
        LoyaltyTier::Silver => "银卡",
        LoyaltyTier::Gold => "金卡",
        LoyaltyTier::Platinum => "白金卡",
    }
}

/// What a legal priority rests on for one flight, in English and Chinese.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriorityBasis {
    pub en: &'static str,
    pub zh: &'static str,
}

impl PriorityBasis {
    /// The airline's care policy, for flights no priority rule covers.
    pub const POLICY: PriorityBasis =
        PriorityBasis { en: "airline care policy", zh: "航空公司照料政策" };

    /// Art 11(2) of EU261 (and of UK261, which retains it): persons with
    /// reduced mobility and unaccompanied children have the right to care
    /// "as soon as possible". The other regimes have no such rule for care,
    /// so the policy is cited there.
    pub fn for_regimes(regimes: &[crate::Regime]) -> PriorityBasis {
        use crate::Regime;
        if regimes.contains(&Regime::Eu261) {
            PriorityBasis { en: "EU261 Art 11(2)", zh: "欧盟261号条例第11(2)条" }
        } else if regimes.contains(&Regime::Uk261) {
            PriorityBasis { en: "UK261 Art 11(2)", zh: "英国261号条例第11(2)条" }
        } else {
            PriorityBasis::POLICY
        }
    }
}

/// The class and why, in English and Chinese.
fn classify(
    p: &PriorityInput,
    family_with_infant: bool,
    basis: PriorityBasis,
) -> (PriorityClass, String, String) {
    if p.needs.contains(&SpecialNeed::Wheelchair) {
        return (
            PriorityClass::LegalPriority,
            format!("reduced mobility: priority ({})", basis.en),
            format!("行动不便：优先（{}）", basis.zh),
        );
    }
    if p.needs.contains(&SpecialNeed::UnaccompaniedMinor) {
        return (
            PriorityClass::LegalPriority,
            format!("unaccompanied minor: priority ({})", basis.en),
            format!("无成人陪伴儿童：优先（{}）", basis.zh),
        );
    }
    if family_with_infant {
        return (
            PriorityClass::InfantOrElderly,
            "family travelling with an infant".into(),
            "携婴儿出行的家庭".into(),
        );
    }
    if p.needs.contains(&SpecialNeed::Elderly) || p.age.is_some_and(|a| a >= ELDERLY_AGE) {
        return (PriorityClass::InfantOrElderly, "elderly passenger".into(), "老年旅客".into());
    }
    if p.stars >= 5 {
        return (
            PriorityClass::TopCustomer,
            format!("{}★ customer: reach out first", p.stars),
            format!("{}★客户：请主动联系", p.stars),
        );
    }
    (
        PriorityClass::Standard,
        format!("{}★, tier {}", p.stars, p.tier.as_str()),
        format!("{}★，{}", p.stars, tier_zh(p.tier)),
    )
}

pub fn order(passengers: &[PriorityInput], basis: PriorityBasis) -> Vec<Placed> {
    let infant_pnrs: std::collections::HashSet<&str> = passengers
        .iter()
        .filter(|p| p.needs.contains(&SpecialNeed::Infant))
        .map(|p| p.pnr.as_str())
        .collect();
    let keyed: Vec<(usize, PriorityClass, (String, String), Key)> = passengers
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (class, en, zh) = classify(p, infant_pnrs.contains(p.pnr.as_str()), basis);
            (i, class, (en, zh), (class, std::cmp::Reverse(p.stars), std::cmp::Reverse(p.tier), i))
        })
        .collect();
    // A group's key is its best member's.
    let mut group_key = std::collections::HashMap::new();
    for (i, _, _, key) in &keyed {
        if let Some(g) = &passengers[*i].group_id {
            group_key
                .entry(g.as_str())
                .and_modify(|k: &mut _| {
                    if key < k {
                        *k = *key
                    }
                })
                .or_insert(*key);
        }
    }
    let mut sorted: Vec<_> = keyed.iter().collect();
    sorted.sort_by_key(|(i, _, _, key)| {
        let p = &passengers[*i];
        match &p.group_id {
            // The block's place, then the leader, then members in their own order.
            Some(g) => (group_key[g.as_str()], !p.group_leader, *key),
            None => (*key, false, *key),
        }
    });
    sorted
        .into_iter()
        .enumerate()
        .map(|(place, (i, class, (reason, reason_zh), _))| {
            let p = &passengers[*i];
            let (reason, reason_zh) = match (&p.group_id, p.group_leader) {
                (Some(_), true) => (
                    format!("{reason}; leads a group, placed with its highest-placed member"),
                    format!("{reason_zh}；团队领队，按团队中排位最前的成员安排"),
                ),
                (Some(_), false) => (
                    format!("{reason}; travels in a group, served with its leader"),
                    format!("{reason_zh}；团队成员，随领队一起服务"),
                ),
                _ => (reason.clone(), reason_zh.clone()),
            };
            Placed {
                id: p.id.clone(),
                place: place + 1,
                class: *class,
                reach_out_first: *class == PriorityClass::TopCustomer,
                legal_priority: *class == PriorityClass::LegalPriority,
                group_id: p.group_id.clone(),
                reason,
                reason_zh,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pax(id: &str, stars: u8) -> PriorityInput {
        PriorityInput {
            id: id.into(),
            pnr: format!("P{id}"),
            needs: vec![],
            age: Some(40),
            stars,
            tier: LoyaltyTier::None,
            group_id: None,
            group_leader: false,
        }
    }

    fn ids(v: &[Placed]) -> Vec<&str> {
        v.iter().map(|p| p.id.as_str()).collect()
    }

    #[test]
    fn the_documented_order() {
        let mut wheel = pax("wheel", 1);
        wheel.needs = vec![SpecialNeed::Wheelchair];
        let mut umnr = pax("umnr", 1);
        umnr.needs = vec![SpecialNeed::UnaccompaniedMinor];
        let mut infant = pax("infant", 2);
        infant.needs = vec![SpecialNeed::Infant];
        let mut parent = pax("parent", 2);
        parent.pnr = infant.pnr.clone();
        let mut old = pax("old", 1);
        old.age = Some(82);
        let six = pax("six", 6);
        let five = pax("five", 5);
        let mut gold4 = pax("gold4", 4);
        gold4.tier = LoyaltyTier::Gold;
        let four = pax("four", 4);
        let one = pax("one", 1);
        let input = vec![one, four, gold4, five, six, old, parent, infant, umnr, wheel];
        let out = order(&input, PriorityBasis::POLICY);
        assert_eq!(
            ids(&out),
            vec!["umnr", "wheel", "parent", "infant", "old", "six", "five", "gold4", "four", "one"]
        );
        assert!(out[0].legal_priority && out[1].legal_priority);
        assert!(out[5].reach_out_first && out[6].reach_out_first && !out[7].reach_out_first);
        assert_eq!(out.iter().map(|p| p.place).collect::<Vec<_>>(), (1..=10).collect::<Vec<_>>());
    }

    #[test]
    fn a_group_moves_up_with_its_best_member_under_its_leader() {
        let mut input: Vec<PriorityInput> = (0..5)
            .map(|i| {
                let mut p = pax(&format!("g{i}"), 1);
                p.group_id = Some("tour".into());
                p.group_leader = i == 2;
                p
            })
            .collect();
        input[4].needs = vec![SpecialNeed::Wheelchair];
        input.insert(0, pax("six", 6));
        let out = order(&input, PriorityBasis::POLICY);
        assert_eq!(ids(&out), vec!["g2", "g4", "g0", "g1", "g3", "six"]);
        // The wheelchair user keeps the flag inside the group.
        assert!(out[1].legal_priority);
        assert!(!out[0].legal_priority);
    }

    #[test]
    fn a_legal_priority_cites_the_rule_that_covers_the_flight() {
        use crate::Regime;
        let mut umnr = pax("umnr", 1);
        umnr.needs = vec![SpecialNeed::UnaccompaniedMinor];
        let reason =
            |regimes: &[Regime]| order(&[umnr.clone()], PriorityBasis::for_regimes(regimes))[0].clone();
        let eu = reason(&[Regime::Eu261]);
        assert!(eu.reason.contains("EU261 Art 11(2)") && eu.reason_zh.contains("欧盟261号条例"), "{eu:?}");
        assert!(reason(&[Regime::Uk261]).reason.contains("UK261 Art 11(2)"));
        // A flight EU261 does not cover cites the airline's policy, not EU261.
        for regimes in [&[Regime::Appr][..], &[Regime::CnMot2016], &[Regime::UsDot], &[]] {
            let p = reason(regimes);
            assert!(
                p.reason.contains("airline care policy") && !p.reason.contains("EU261"),
                "{regimes:?}: {p:?}"
            );
            assert!(p.reason_zh.contains("航空公司照料政策"), "{p:?}");
            assert!(p.legal_priority);
        }
    }

    #[test]
    fn stable_for_equals() {
        let input: Vec<_> = (0..20).map(|i| pax(&format!("p{i:02}"), 3)).collect();
        let out = order(&input, PriorityBasis::POLICY);
        assert_eq!(ids(&out), input.iter().map(|p| p.id.as_str()).collect::<Vec<_>>());
    }
}
