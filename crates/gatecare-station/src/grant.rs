//! An agent's grant to one passenger: what it is worth and whether it may be
//! given, decided here so every front end (the console's window, the CLI)
//! applies the same rules. Statutory care is priced by the policy (a meal)
//! or the hotel block's rate, transport at zero; goodwill at the amount the
//! agent typed, read with the currency's minor unit; an upgrade at the
//! policy's value for its cabin pair (the passenger's cabin to the next one
//! up on this aircraft), so both count against the agent's authority. Which
//! goodwill or upgrade this is (its ordinal) is counted here, never taken
//! from a screen. Care that is not owed (yet) is refused: the agent offers
//! goodwill instead. An approver is someone other than the agent; their PIN
//! is checked by the caller before this runs.

use gatecare_core::{Currency, Money};
use gatecare_ledger::EntitlementKind;

use crate::Station;
use gatecare_store::{AuthenticatedAgent, IssueContext, IssueRequest, Issued, LedgerError};

/// The largest goodwill amount a screen may ask for, in minor units: an
/// input guard far above any authority limit, not a limit itself.
const GOODWILL_MAX_MINOR: i64 = 10_000_000;

/// What an agent asks to give.
#[derive(Debug, Clone)]
pub struct AgentGrant {
    pub passenger_id: String,
    pub flight_id: String,
    pub kind: EntitlementKind,
    /// Statutory care only: which one of the kind (the second meal is 2);
    /// the first when absent. Goodwill and upgrades are counted here.
    pub ordinal: Option<u32>,
    /// Goodwill only: the amount as typed, in major units ("50", "1.5").
    pub amount: Option<String>,
    /// Hotel only: the block to take a room from.
    pub hotel_block_id: Option<String>,
    /// The agent's words for discretionary grants; at most 300 characters kept.
    pub reason: String,
}

fn invalid(reason: &str) -> LedgerError {
    LedgerError::Invalid(reason.to_owned())
}

fn field(code: &'static str, reason: impl Into<String>) -> LedgerError {
    LedgerError::Field { code, reason: reason.into() }
}

/// A goodwill amount as typed, in `currency`.
pub fn goodwill_value(typed: Option<&str>, currency: Currency) -> Result<Money, LedgerError> {
    let typed = typed.ok_or_else(|| field("goodwill.amount_invalid", "enter the goodwill amount"))?;
    let value =
        Money::parse_major(typed, currency).map_err(|e| field("goodwill.amount_invalid", e.to_string()))?;
    if !(1..=GOODWILL_MAX_MINOR).contains(&value.amount_minor) {
        return Err(field("goodwill.amount_invalid", "the goodwill amount is out of range"));
    }
    Ok(value)
}

impl Station {
    /// Prices, checks and issues an agent's grant (claiming it at central
    /// first when online; an issue of a voided entitlement is its
    /// replacement). `approver` has passed their PIN check.
    pub async fn grant(
        &self,
        ctx: &IssueContext<'_>,
        station: &str,
        grant: &AgentGrant,
        approver: Option<AuthenticatedAgent>,
    ) -> Result<Issued, LedgerError> {
        if approver.as_ref().is_some_and(|a| a.code == ctx.actor.code) {
            return Err(field("auth.same_person", "the approver must be someone else"));
        }
        let view = self
            .passenger_view(&grant.passenger_id, &grant.flight_id, ctx.actor, ctx.policy, ctx.now)
            .await?;
        // Held until the issue below is done (`next_goodwill`).
        let mut goodwill_turn = None;
        let ordinal = match (grant.kind, grant.ordinal) {
            (EntitlementKind::Goodwill | EntitlementKind::Upgrade, Some(_)) => {
                return Err(field("grant.ordinal", "the station counts goodwill and upgrades itself"));
            }
            // One upgrade a passenger a flight: asked again, it is the same one.
            (EntitlementKind::Upgrade, None) => 1,
            (EntitlementKind::Goodwill, None) => {
                let (next, turn) = self.next_goodwill(&grant.passenger_id, &grant.flight_id).await?;
                goodwill_turn = Some(turn);
                // Past those other consoles gave that this one has not heard of.
                self.claim_goodwill(ctx, &grant.passenger_id, &grant.flight_id, next).await?.0
            }
            (_, ordinal) => ordinal.unwrap_or(1),
        };
        let care_kind = gatecare_store::ledger::care_kind(grant.kind);
        let owed = care_kind.and_then(|k| {
            view.entitlements
                .iter()
                .find(|e| e.kind == k && e.ordinal == ordinal && e.due && !e.passenger_pays)
        });
        // A hotel may be given before it is owed (a room for the night
        // ahead); a meal or transport may not: that is goodwill.
        if care_kind.is_some() && owed.is_none() && grant.kind != EntitlementKind::Hotel {
            return Err(LedgerError::Refused("this is not owed (yet); offer goodwill instead".into()));
        }
        let (currency, meal) = ctx
            .policy
            .meal_amount(station)
            .ok_or_else(|| invalid("the policy has no meal amount for this station"))?;
        let value = match grant.kind {
            EntitlementKind::Meal => Money::new(meal, currency),
            EntitlementKind::Hotel => {
                let block = grant.hotel_block_id.as_deref().ok_or_else(|| invalid("choose a hotel"))?;
                // Rooms are taken (or refused) inside the issuing transaction.
                let (rate, cur) = self.hotel_rate(block).await?.ok_or_else(|| invalid("no such hotel"))?;
                Money::new(rate, Currency::parse(&cur).map_err(|e| invalid(&e.to_string()))?)
            }
            EntitlementKind::Goodwill => goodwill_value(grant.amount.as_deref(), currency)?,
            EntitlementKind::Upgrade => {
                let from = view.cabin;
                let to = self.upgrade_cabin(&grant.flight_id, from).await?.ok_or_else(|| {
                    field("upgrade.no_cabin", "this aircraft has no higher cabin for this passenger")
                })?;
                ctx.policy.upgrade.value.of(from, to).ok_or_else(|| invalid("no value for this upgrade"))?
            }
            EntitlementKind::Transport => Money::new(0, currency),
        };
        let reason = match (&owed, grant.reason.trim()) {
            (Some(o), _) => format!("{} owed: {}", grant.kind.as_str(), o.citation),
            (None, "") => format!("{} at the agent's discretion", grant.kind.as_str()),
            (None, r) => r.chars().take(300).collect(),
        };
        let request = IssueRequest {
            passenger_id: grant.passenger_id.clone(),
            flight_id: grant.flight_id.clone(),
            kind: grant.kind,
            ordinal,
            value,
            statutory: owed.is_some(),
            customer_stars: view.stars,
            approver,
            reason,
            hotel_block_id: if grant.kind == EntitlementKind::Hotel {
                grant.hotel_block_id.clone()
            } else {
                None
            },
            details: serde_json::json!({
                "citation": owed.map(|o| o.citation), "source": owed.map(|o| o.source.clone()),
            }),
        };
        let issued = self.issue_claimed(ctx, &request, true).await;
        drop(goodwill_turn);
        issued
    }

    /// The ordinal of a passenger's next goodwill on this flight: one more
    /// than any the station has issued (here, or on another device), with
    /// this device's goodwill turn: hold it until the voucher is issued.
    pub(crate) async fn next_goodwill(
        &self,
        passenger_id: &str,
        flight_id: &str,
    ) -> Result<(u32, tokio::sync::OwnedMutexGuard<()>), LedgerError> {
        let turn = self.goodwill_turn.clone().lock_owned().await;
        let keys: Vec<String> = sqlx::query_scalar(
            "SELECT entitlement_key FROM station_vouchers \
             WHERE passenger_id = ? AND flight_id = ? AND kind = 'goodwill'",
        )
        .bind(passenger_id)
        .bind(flight_id)
        .fetch_all(self.pool())
        .await?;
        let last = keys.iter().filter_map(|k| k.rsplit('/').next()?.parse::<u32>().ok()).max().unwrap_or(0);
        Ok((last + 1, turn))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goodwill_is_read_in_the_currency_of_the_station() {
        let cur = |c: &str| Currency::parse(c).unwrap();
        assert_eq!(goodwill_value(Some("500"), cur("HKD")).map(|m| m.amount_minor).ok(), Some(50_000));
        assert_eq!(goodwill_value(Some("500"), cur("JPY")).map(|m| m.amount_minor).ok(), Some(500));
        assert_eq!(goodwill_value(Some("1.5"), cur("KWD")).map(|m| m.amount_minor).ok(), Some(1_500));
        for (typed, c) in [
            (None, "HKD"),
            (Some("0"), "HKD"),
            (Some("12.345"), "HKD"),
            (Some("9.5"), "JPY"),
            (Some("-5"), "HKD"),
            (Some("100001"), "HKD"),
        ] {
            let e = goodwill_value(typed, cur(c)).unwrap_err();
            assert_eq!(e.code(), "goodwill.amount_invalid", "{typed:?} {c}");
        }
    }
}
