//! Bulk issuance for a flight: what every passenger is owed (care engine),
//! in the priority order, claimed at central in batches when online, then
//! committed in one transaction, with progress. It
//! works on a station (`gatecare-station`: its manifest and the flight's
//! scenario) as [`Bulk`].

use std::ops::Deref;

use gatecare_care::DecisionRecord;
use gatecare_care::evaluate::{CareKind, Source};
use gatecare_care::priority::order;
use gatecare_care::scenario::PassengerFacts;
use gatecare_core::Money;
use gatecare_ledger::EntitlementKind;
use gatecare_link::{ClaimCheck, claim_batch_before_issue, release_claim};
use gatecare_station::Station;
use gatecare_station::manifest::{ManifestEntry, priority_inputs};
use gatecare_store::ledger::{IssueContext, IssueRequest, Issued, LedgerError, issue_in};
use gatecare_store::store::parse_time;
use serde::Serialize;

/// A station issuing to a whole flight: `Bulk(&station).issue_bulk(…)`. It
/// reads as the station too (`Deref`).
#[derive(Clone, Copy)]
pub struct Bulk<'a>(pub &'a Station);

impl Deref for Bulk<'_> {
    type Target = Station;

    fn deref(&self) -> &Station {
        self.0
    }
}

#[derive(ts_rs::TS, Debug, Clone, Default, Serialize)]
pub struct BulkSummary {
    pub issued: u32,
    /// Already held here: not issued again (nor printed by bulk).
    pub reprinted: u32,
    /// Passengers owed nothing of this kind yet, with why.
    pub not_due: u32,
    /// Issued by another device of the station (central told us), or this
    /// device's own voucher lost to one: not printed here.
    pub elsewhere: u32,
    /// Refused for this passenger alone (leased to another device, voided,
    /// no rooms): the batch goes on.
    pub skipped: u32,
    /// In priority order.
    pub vouchers: Vec<Issued>,
}

impl Bulk<'_> {
    /// Issues every due entitlement of `kind` on a flight, in priority order,
    /// in one transaction. `progress(done, total)` is called as it goes.
    pub async fn issue_bulk(
        &self,
        ctx: &IssueContext<'_>,
        flight_id: &str,
        kind: EntitlementKind,
        progress: impl FnMut(usize, usize),
    ) -> Result<BulkSummary, LedgerError> {
        self.issue_bulk_for(ctx, flight_id, kind, None, progress).await
    }

    /// [`Bulk::issue_bulk`] for a selection of the flight's passengers
    /// (still in priority order); `None` is everyone.
    pub async fn issue_bulk_for(
        &self,
        ctx: &IssueContext<'_>,
        flight_id: &str,
        kind: EntitlementKind,
        selection: Option<&std::collections::HashSet<String>>,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<BulkSummary, LedgerError> {
        let Some(care_kind @ (CareKind::Meal | CareKind::Transport)) =
            gatecare_store::ledger::care_kind(kind)
        else {
            return Err(LedgerError::Invalid(format!(
                "bulk issuance covers meals and transport, not {}",
                kind.as_str()
            )));
        };
        let Some(fs) = self.flight_scenario(flight_id, ctx.now).await? else {
            return Ok(BulkSummary {
                issued: 0,
                reprinted: 0,
                not_due: 0,
                elsewhere: 0,
                skipped: 0,
                vouchers: Vec::new(),
            });
        };
        let manifest = self.manifest(flight_id, ctx.policy).await?;
        let year = i64::from(chrono::Datelike::year(&fs.scenario.scheduled_departure));
        let queue = priority_inputs(&manifest, year);
        let placed: Vec<_> = order(&queue, self.priority_basis(flight_id).await?)
            .into_iter()
            .filter(|p| selection.is_none_or(|s| s.contains(&p.id)))
            .collect();
        let by_id: std::collections::HashMap<&str, &ManifestEntry> =
            manifest.iter().map(|m| (m.passenger_id.as_str(), m)).collect();
        let (currency, meal_value) = ctx
            .policy
            .meal_amount(&fs.station)
            .ok_or_else(|| LedgerError::Invalid("no meal amount in the policy".into()))?;

        // Passengers who took the refund are owed nothing after their choice.
        let refunds: std::collections::HashMap<String, String> =
            sqlx::query_as("SELECT passenger_id, chosen_at FROM refund_choices WHERE flight_id = ?")
                .bind(flight_id)
                .fetch_all(self.pool())
                .await?
                .into_iter()
                .collect();
        // Passengers an agent re-routed apart from the flight: their own times.
        let mut reroutes: std::collections::HashMap<String, (String, String)> =
            std::collections::HashMap::new();
        for (pid, dep, arr) in sqlx::query_as::<_, (String, Option<String>, Option<String>)>(
            "SELECT passenger_id, departure, arrival FROM passenger_reroutes WHERE flight_id = ? \
             ORDER BY recorded_at, rowid",
        )
        .bind(flight_id)
        .fetch_all(self.pool())
        .await?
        {
            match dep.zip(arr) {
                Some(times) => reroutes.insert(pid, times),
                None => reroutes.remove(&pid),
            };
        }
        let total = placed.len();
        let mut summary = BulkSummary {
            issued: 0,
            reprinted: 0,
            not_due: 0,
            elsewhere: 0,
            skipped: 0,
            vouchers: Vec::with_capacity(total),
        };
        // First what each passenger is owed, read outside the transaction:
        // the claims at central come between the plan and the issue.
        let mut plans: Vec<Planned> = Vec::with_capacity(total);
        for (at, p) in placed.iter().enumerate() {
            let Some(m) = by_id.get(p.id.as_str()) else { continue };
            // The same case as the passenger's own screens, from maps read
            // once for the flight instead of a look-up per passenger.
            let own = match reroutes.get(p.id.as_str()) {
                Some((dep, arr)) => Some((parse_time(dep.clone())?, parse_time(arr.clone())?)),
                None => None,
            };
            let s = gatecare_station::rights::passenger_scenario(
                &fs.scenario,
                PassengerFacts::from_needs(&m.needs, m.lives_in_departure_city),
                own,
            );
            let refund_at = refunds.get(p.id.as_str()).cloned().map(parse_time).transpose()?;
            let eval = gatecare_station::rights::evaluate_passenger(&s, ctx.policy, refund_at);
            let due: Vec<_> =
                eval.care.iter().filter(|i| i.due && i.kind == care_kind && !i.passenger_pays).collect();
            if due.is_empty() {
                summary.not_due += 1;
            }
            let mut ordinals: Vec<u32> = due.iter().map(|i| i.ordinal).collect();
            ordinals.sort();
            ordinals.dedup();
            for ordinal in ordinals {
                let item = due.iter().find(|i| i.ordinal == ordinal).copied();
                let citation = item.map(|i| i.citation).unwrap_or_default();
                let source = match item.map(|i| i.source) {
                    Some(Source::Regime(r)) => r.as_str(),
                    _ => "policy",
                };
                plans.push(Planned {
                    at,
                    request: IssueRequest {
                        passenger_id: m.passenger_id.clone(),
                        flight_id: flight_id.to_owned(),
                        kind,
                        ordinal,
                        value: Money::new(if kind == EntitlementKind::Meal { meal_value } else { 0 }, currency),
                        // Owed by law or published policy: never needs approval.
                        statutory: true,
                        customer_stars: m.stars,
                        approver: None,
                        reason: format!("bulk: {} owed ({source})", kind.as_str()),
                        hotel_block_id: None,
                        details: serde_json::json!({"citation": citation, "source": source, "priority": p.place, "priority_reason": p.reason}),
                    },
                    decision: DecisionRecord::new(&s, &eval, ctx.policy, refund_at, Some((care_kind, ordinal))),
                });
            }
        }
        // Online, each entitlement is claimed at central first, as a single
        // issuance is: what another device holds or is issuing right now is
        // not issued twice. Offline (or central silent), bulk issues and
        // central settles any double issuance when the vouchers arrive.
        let requests: Vec<&IssueRequest> = plans.iter().map(|p| &p.request).collect();
        let claims = claim_batch_before_issue(self, ctx.device, &requests, ctx.now).await?;
        let granted: Vec<&IssueRequest> = plans
            .iter()
            .zip(&claims)
            .filter(|(_, c)| matches!(c, Ok(ClaimCheck::Granted)))
            .map(|(p, _)| &p.request)
            .collect();
        // Claimed but not issued: given back at once, not left to lapse.
        let mut unissued: Vec<&IssueRequest> = Vec::new();
        let issuance = async {
            let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
            let mut passengers = plans.iter().zip(claims).peekable();
            for at in 0..total {
                while let Some((plan, claim)) = passengers.next_if(|(p, _)| p.at == at) {
                    let claim = match claim {
                        Ok(claim) => claim,
                        Err(LedgerError::IssuedElsewhere(_)) => {
                            summary.elsewhere += 1;
                            continue;
                        }
                        Err(LedgerError::LeasedElsewhere(_) | LedgerError::Refused(_)) => {
                            summary.skipped += 1;
                            continue;
                        }
                        Err(e) => return Err(e),
                    };
                    // Each entitlement under its own savepoint: one passenger's
                    // refusal (issued elsewhere, leased, voided) never stops the batch.
                    sqlx::query("SAVEPOINT bulk_item").execute(&mut *tx).await?;
                    // A voided voucher is an agent's decision: bulk never replaces
                    // it, except one central voided with its device's revoked key.
                    let issued = issue_in(
                        &mut tx,
                        ctx,
                        &plan.request,
                        gatecare_store::ledger::Replacement::KeyRevoked,
                        &plan.decision,
                    )
                    .await;
                    if issued.is_err() && claim == ClaimCheck::Granted {
                        unissued.push(&plan.request);
                    }
                    let issued = match issued {
                        Ok(issued) => {
                            // Held here already: bulk only issues and prints what is
                            // new, so the reprint the ledger would record is undone.
                            if issued.reprint {
                                sqlx::query("ROLLBACK TO bulk_item").execute(&mut *tx).await?;
                            }
                            sqlx::query("RELEASE bulk_item").execute(&mut *tx).await?;
                            issued
                        }
                        Err(LedgerError::IssuedElsewhere(_)) => {
                            sqlx::query("ROLLBACK TO bulk_item").execute(&mut *tx).await?;
                            sqlx::query("RELEASE bulk_item").execute(&mut *tx).await?;
                            summary.elsewhere += 1;
                            continue;
                        }
                        Err(
                            LedgerError::LeasedElsewhere(_)
                            | LedgerError::Voided(_)
                            | LedgerError::NoRooms(_)
                            | LedgerError::Refused(_),
                        ) => {
                            sqlx::query("ROLLBACK TO bulk_item").execute(&mut *tx).await?;
                            sqlx::query("RELEASE bulk_item").execute(&mut *tx).await?;
                            summary.skipped += 1;
                            continue;
                        }
                        Err(e) => return Err(e),
                    };
                    // This device's voucher lost a double issuance: the winner's
                    // is the passenger's; printing this one again would hand out
                    // a voucher merchants refuse.
                    let lost: bool =
                        sqlx::query_scalar("SELECT COUNT(*) > 0 FROM void_list WHERE voucher_id = ?")
                            .bind(&issued.voucher_id)
                            .fetch_one(&mut *tx)
                            .await?;
                    if lost {
                        summary.elsewhere += 1;
                        continue;
                    }
                    if issued.reprint {
                        summary.reprinted += 1;
                    } else {
                        summary.issued += 1;
                    }
                    summary.vouchers.push(issued);
                }
                progress(at + 1, total);
            }
            tx.commit().await?;
            Ok::<_, LedgerError>(())
        };
        match issuance.await {
            Ok(()) => {
                release(self, &unissued).await;
                Ok(summary)
            }
            // Nothing was issued: every claim goes back.
            Err(e) => {
                release(self, &granted).await;
                Err(e)
            }
        }
    }
}

/// What one passenger (`at` in the priority order) is owed of the kind.
struct Planned {
    at: usize,
    request: IssueRequest,
    decision: DecisionRecord,
}

/// Gives back claims whose entitlement was not issued. Best effort: a claim
/// not given back lapses when its hold ends.
async fn release(station: &Station, requests: &[&IssueRequest]) {
    for r in requests {
        let _ = release_claim(station, &r.passenger_id, &r.flight_id, r.kind, r.ordinal).await;
    }
}
