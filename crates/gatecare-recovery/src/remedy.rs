//! What a resolution is worth against front-line authority: vouchers at face
//! value, miles and upgrades at the policy's rates; apologies and refund
//! referrals cost nothing discretionary.

use gatecare_core::Money;
use gatecare_policy::authority::{self, Decision, GrantRequest};
use gatecare_policy::{Policy, Role};

use crate::CaseError;
use crate::case::Remedy;

/// The discretionary value of `remedies` in the recovery currency.
pub fn value(policy: &Policy, remedies: &[Remedy]) -> Result<Money, CaseError> {
    let r = &policy.recovery;
    let mut total = Money::new(0, r.currency);
    for remedy in remedies {
        let v = match remedy {
            Remedy::Apology | Remedy::RefundReferral => 0,
            Remedy::Voucher { value } if value.currency != r.currency => {
                return Err(CaseError::Invalid {
                    field: "voucher",
                    reason: format!("recovery vouchers are in {}", r.currency),
                });
            }
            Remedy::Voucher { value } => value.amount_minor,
            Remedy::Miles { miles } => i64::from(*miles).saturating_mul(r.mile_value_minor),
            Remedy::Upgrade => r.upgrade_value_minor,
        };
        total = total
            .checked_add(Money::new(v, r.currency))
            .ok_or(CaseError::Invalid { field: "remedies", reason: "value too large".into() })?;
    }
    Ok(total)
}

/// Whether `role` may give `remedies` to a passenger of `stars` at once,
/// needs an approver, or may not at all. `already` is what earlier
/// resolutions gave this passenger for the same flight.
pub fn decide(
    policy: &Policy,
    role: Role,
    stars: u8,
    remedies: &[Remedy],
    already: Money,
) -> Result<(Money, Decision), CaseError> {
    let requested = value(policy, remedies)?;
    if requested.amount_minor == 0 {
        let reason = "an apology or a refund referral needs no approval".to_owned();
        return Ok((requested, Decision::Allowed { reason }));
    }
    let decision = authority::decide(
        policy,
        &GrantRequest { role, customer_stars: stars, statutory: false, requested, already_granted: already },
    );
    Ok((requested, decision))
}
