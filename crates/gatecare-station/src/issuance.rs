//! Issuing one entitlement: what decides it is read from the passenger's
//! case, as every screen evaluates it at that moment, and kept with the
//! voucher by the ledger. Online, the entitlement is claimed at central
//! first (`gatecare-link`'s claims).

use gatecare_care::DecisionRecord;
use gatecare_link::{ClaimCheck, claim_before_issue, release_claim};
use gatecare_store::ledger::{Replacement, care_kind};
use gatecare_store::{IssueContext, IssueRequest, Issued, LedgerError};

use crate::Station;

impl Station {
    /// Issues one entitlement, or returns the voucher already issued for it.
    /// A voided entitlement is refused ([`LedgerError::Voided`]).
    pub async fn issue(&self, ctx: &IssueContext<'_>, req: &IssueRequest) -> Result<Issued, LedgerError> {
        let decision = self.decision_for(ctx, req).await;
        self.issue_decided(ctx, req, Replacement::Refused, &decision).await
    }

    /// As [`Station::issue`], but a voided entitlement is issued again as a
    /// replacement linked to the voided voucher (an agent's decision: a
    /// kiosk never replaces).
    pub async fn issue_or_replace(
        &self,
        ctx: &IssueContext<'_>,
        req: &IssueRequest,
    ) -> Result<Issued, LedgerError> {
        let decision = self.decision_for(ctx, req).await;
        self.issue_decided(ctx, req, Replacement::Allowed, &decision).await
    }

    /// What decides this request. Read before the ledger's transaction (the
    /// case reads through the pool); an unknown passenger or flight is
    /// refused by the issuance itself.
    pub(crate) async fn decision_for(&self, ctx: &IssueContext<'_>, req: &IssueRequest) -> DecisionRecord {
        match self.passenger_case(&req.flight_id, &req.passenger_id, ctx.policy, ctx.now).await {
            Ok(Some(case)) => DecisionRecord::new(
                &case.scenario,
                &case.evaluation,
                ctx.policy,
                case.refund_chosen_at,
                care_kind(req.kind).map(|k| (k, req.ordinal)),
            ),
            Ok(None) | Err(_) => DecisionRecord::without_disruption(ctx.policy),
        }
    }

    /// Issues (or, for an agent, replaces) after claiming the entitlement at
    /// central when online, and gives the claim back if the issue fails.
    /// Kiosks and consoles both go through here; bulk issuance claims its
    /// entitlements in batches (`gatecare_link::claim_batch_before_issue`).
    pub async fn issue_claimed(
        &self,
        ctx: &IssueContext<'_>,
        req: &IssueRequest,
        replacement: bool,
    ) -> Result<Issued, LedgerError> {
        let claim = claim_before_issue(
            self,
            ctx.device,
            &req.passenger_id,
            &req.flight_id,
            req.kind,
            req.ordinal,
            ctx.now,
        )
        .await?;
        let issued =
            if replacement { self.issue_or_replace(ctx, req).await } else { self.issue(ctx, req).await };
        if issued.is_err() && claim == ClaimCheck::Granted {
            release_claim(self, &req.passenger_id, &req.flight_id, req.kind, req.ordinal).await?;
        }
        issued
    }

    /// Claims a passenger's next goodwill at central, from `ordinal` on:
    /// another console may have given one this device has not heard of yet,
    /// so an ordinal held elsewhere moves on to the next (a few at most).
    /// Returns the ordinal to issue and what the claim found.
    pub async fn claim_goodwill(
        &self,
        ctx: &IssueContext<'_>,
        passenger_id: &str,
        flight_id: &str,
        ordinal: u32,
    ) -> Result<(u32, ClaimCheck), LedgerError> {
        const TRIES: u32 = 8;
        for ordinal in ordinal..ordinal + TRIES {
            let kind = gatecare_ledger::EntitlementKind::Goodwill;
            match claim_before_issue(self, ctx.device, passenger_id, flight_id, kind, ordinal, ctx.now).await
            {
                Err(LedgerError::IssuedElsewhere(_)) => continue,
                other => return other.map(|claim| (ordinal, claim)),
            }
        }
        Err(LedgerError::IssuedElsewhere(format!("the next {TRIES} goodwill numbers of this passenger")))
    }
}
