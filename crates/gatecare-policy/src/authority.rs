//! Front-line authority (seed 001 §2.2): what an actor may grant one
//! passenger per disruption, by role and the passenger's stars. Statutory
//! care never needs approval; above the limit a named higher role approves.

use gatecare_core::Money;
use serde::Serialize;

use crate::{Policy, Role};

#[derive(Debug, Clone, Copy)]
pub struct GrantRequest {
    pub role: Role,
    pub customer_stars: u8,
    /// Care the law requires: always allowed.
    pub statutory: bool,
    pub requested: Money,
    /// Discretionary value already granted to this passenger for this disruption.
    pub already_granted: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    Allowed { reason: String },
    NeedsApproval { approver: Role, limit: Money, reason: String },
    Refused { reason: String },
}

/// The limit of a role for a passenger of `stars`, in the policy's currency.
pub fn limit(policy: &Policy, role: Role, stars: u8) -> Option<Money> {
    policy
        .authority
        .iter()
        .filter(|a| a.role == role && a.min_stars <= stars)
        .max_by_key(|a| a.min_stars)
        .map(|a| Money::new(a.amount_minor, a.currency))
}

pub fn decide(policy: &Policy, req: &GrantRequest) -> Decision {
    if req.statutory {
        return Decision::Allowed { reason: "statutory care never needs approval".into() };
    }
    if req.requested.amount_minor < 0 {
        return Decision::Refused { reason: "a grant cannot be negative".into() };
    }
    let Some(total) = req.already_granted.checked_add(req.requested) else {
        return Decision::Refused { reason: "amounts in different currencies cannot be added".into() };
    };
    let fits = |role: Role| limit(policy, role, req.customer_stars).filter(|l| l.currency == total.currency);
    let Some(own) = fits(req.role) else {
        return Decision::Refused {
            reason: format!("no {} limit in {} for this role", total.currency, total.currency),
        };
    };
    if total.amount_minor <= own.amount_minor {
        return Decision::Allowed {
            reason: format!(
                "{total} within the {role:?} limit of {own} for {}★",
                req.customer_stars,
                role = req.role
            ),
        };
    }
    for higher in [Role::Supervisor, Role::DutyManager].into_iter().filter(|r| *r > req.role) {
        if let Some(l) = fits(higher)
            && total.amount_minor <= l.amount_minor
        {
            return Decision::NeedsApproval {
                approver: higher,
                limit: own,
                reason: format!(
                    "{total} is above the {:?} limit of {own}; a {higher:?} may approve up to {l}",
                    req.role
                ),
            };
        }
    }
    Decision::Refused {
        reason: format!("{total} is above every station limit for {}★", req.customer_stars)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatecare_core::Currency;

    fn hkd(n: i64) -> Money {
        Money::new(n, Currency::parse("HKD").unwrap())
    }

    fn req(role: Role, stars: u8, requested: i64, already: i64) -> GrantRequest {
        GrantRequest {
            role,
            customer_stars: stars,
            statutory: false,
            requested: hkd(requested),
            already_granted: hkd(already),
        }
    }

    #[test]
    fn limits_grow_with_stars_and_role() {
        let p = Policy::default_policy();
        assert!(matches!(decide(&p, &req(Role::Agent, 2, 20000, 0)), Decision::Allowed { .. }));
        assert!(matches!(
            decide(&p, &req(Role::Agent, 2, 20001, 0)),
            Decision::NeedsApproval { approver: Role::Supervisor, .. }
        ));
        // A 5-star passenger: the agent's own limit is higher.
        assert!(matches!(decide(&p, &req(Role::Agent, 5, 50000, 0)), Decision::Allowed { .. }));
        // What was granted already counts.
        assert!(matches!(
            decide(&p, &req(Role::Agent, 5, 50000, 40000)),
            Decision::NeedsApproval { approver: Role::Supervisor, .. }
        ));
        assert!(matches!(
            decide(&p, &req(Role::Supervisor, 1, 200000, 0)),
            Decision::NeedsApproval { approver: Role::DutyManager, .. }
        ));
        assert!(matches!(decide(&p, &req(Role::DutyManager, 1, 600000, 0)), Decision::Refused { .. }));
    }

    #[test]
    fn statutory_care_is_always_allowed() {
        let p = Policy::default_policy();
        let mut r = req(Role::Agent, 1, 99_999_999, 0);
        r.statutory = true;
        assert!(matches!(decide(&p, &r), Decision::Allowed { .. }));
    }

    #[test]
    fn currency_mismatch_is_refused() {
        let p = Policy::default_policy();
        let mut r = req(Role::Agent, 1, 100, 0);
        r.requested = Money::new(100, Currency::parse("EUR").unwrap());
        r.already_granted = Money::new(0, Currency::parse("EUR").unwrap());
        assert!(matches!(decide(&p, &r), Decision::Refused { .. }));
        let mut r = req(Role::Agent, 1, 100, 0);
        r.already_granted = Money::new(1, Currency::parse("EUR").unwrap());
        assert!(matches!(decide(&p, &r), Decision::Refused { .. }));
    }
}
