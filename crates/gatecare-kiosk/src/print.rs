//! Printing what a passenger is owed: issue or reprint, render, queue.

use chrono::{DateTime, Utc};
use gatecare_core::Money;
use gatecare_ledger::EntitlementKind;
use gatecare_policy::Policy;

use gatecare_print::Printer;
use gatecare_print::vouchers::{
    KIOSK_PRINT_WAIT, PreparedPrint, PrintDesk, VoucherPrint, finish_print, print_file,
};
use gatecare_store::agents::AuthenticatedAgent;
use gatecare_store::ledger::{IssueContext, IssueRequest, LedgerError};

use crate::{Kiosk, KioskPick, KioskSession};

impl Kiosk<'_> {
    /// Issues (or reprints) one owed entitlement of the session's passenger,
    /// renders it and queues it in the print journal. A printer failure
    /// later still leaves a valid voucher: the screen shows its QR.
    pub async fn kiosk_prepare_print(
        &self,
        s: &KioskSession,
        pick: KioskPick,
        policy: &Policy,
        desk: &PrintDesk<'_>,
        now: DateTime<Utc>,
    ) -> Result<PreparedPrint, LedgerError> {
        let KioskPick { kind, ordinal, hotel_block_id } = pick;
        let (device, station) = (desk.device, desk.station);
        let view = self.kiosk_view(s, policy, now).await?;
        let item = view
            .entitlements
            .iter()
            .find(|e| e.kind == kind && e.ordinal == ordinal)
            .ok_or_else(|| LedgerError::Refused("nothing of that kind is owed".into()))?;
        if !item.due || !item.printable {
            return Err(LedgerError::Refused("this is not owed yet, or needs staff".into()));
        }
        let entitlement = gatecare_store::ledger::entitlement_kind(kind)
            .ok_or_else(|| LedgerError::Refused("staff issue this".into()))?;
        let (currency, meal) =
            policy.meal_amount(station).ok_or_else(|| LedgerError::Invalid("no meal amount".into()))?;
        let value = match (entitlement, &hotel_block_id) {
            (EntitlementKind::Hotel, Some(block)) => {
                let rate: Option<(i64, String)> =
                    sqlx::query_as("SELECT rate_minor, currency FROM hotel_blocks WHERE id = ?")
                        .bind(block)
                        .fetch_optional(self.pool())
                        .await?;
                let (rate, cur) = rate.ok_or_else(|| LedgerError::Invalid("no such hotel".into()))?;
                Money::new(
                    rate,
                    gatecare_core::Currency::parse(&cur).map_err(|e| LedgerError::Invalid(e.to_string()))?,
                )
            }
            // Already issued: the same voucher is reprinted, its room stays.
            (EntitlementKind::Hotel, None) if item.issued_serial.is_some() => Money::new(0, currency),
            (EntitlementKind::Hotel, None) => return Err(LedgerError::Invalid("choose a hotel".into())),
            (EntitlementKind::Meal, _) => Money::new(meal, currency),
            _ => Money::new(0, currency),
        };
        // Online, central makes sure no other kiosk issues it too.
        let actor = AuthenticatedAgent::kiosk(device, station);
        let ctx = IssueContext::new(device, &actor, policy, now);
        let issued = self
            .issue_claimed(
                &ctx,
                &IssueRequest {
                    passenger_id: s.passenger_id.clone(),
                    flight_id: s.flight_id.clone(),
                    kind: entitlement,
                    ordinal,
                    value,
                    statutory: true,
                    customer_stars: 1,
                    approver: None,
                    reason: "self-service kiosk".into(),
                    hotel_block_id: if entitlement == EntitlementKind::Hotel { hotel_block_id } else { None },
                    details: serde_json::json!({"citation": item.citation, "source": item.source}),
                },
                false,
            )
            .await?;
        gatecare_print::vouchers::prepare_print(self, issued, desk, now).await
    }

    /// Prepare, print (blocking: for tests and tools; the app prints on a
    /// blocking thread between the two awaits) and finish.
    pub async fn kiosk_print(
        &self,
        s: &KioskSession,
        pick: KioskPick,
        policy: &Policy,
        desk: &PrintDesk<'_>,
        printer: &dyn Printer,
        now: DateTime<Utc>,
    ) -> Result<VoucherPrint, LedgerError> {
        let prepared = self.kiosk_prepare_print(s, pick, policy, desk, now).await?;
        let outcome = print_file(printer, &prepared, KIOSK_PRINT_WAIT);
        Ok(finish_print(self, prepared, outcome, desk.printer_name, now).await?)
    }
}
