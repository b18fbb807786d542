//! The gate agent's commands. Every one needs agent mode and a signed-in,
//! unlocked agent; authority limits are enforced by the ledger, and a
//! supervisor's approval is a second PIN check here, never a UI flag.

use chrono::{DateTime, Utc};
use gatecare_bulk::{Bulk, BulkSummary};
use gatecare_ledger::EntitlementKind;
use gatecare_print::VoucherPrint;
use gatecare_station::console::{
    DisruptionEntry, FlightView, PassengerReroute, PassengerView, PriorityRow, Upgrades,
};
use gatecare_station::grant::AgentGrant;
use gatecare_station::{AuthenticatedAgent, IssueContext, LedgerError, LockoutPolicy, Mode};
use gatecare_store::PinUse;
use serde::{Deserialize, Serialize};

use crate::Device;
use crate::error::{ApiError, err};
use crate::print::{BulkResult, NoticePrint, PrintJobState};
use crate::session::Gone;

/// How far a bulk issuance is (the `bulk-progress` event).
#[derive(ts_rs::TS, Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BulkProgress {
    pub done: usize,
    pub total: usize,
}

#[derive(ts_rs::TS, Debug, Serialize)]
pub struct AgentInfo {
    pub code: String,
    pub name: String,
    pub role: gatecare_policy::Role,
    pub idle_seconds: u32,
}

/// A supervisor's (or duty manager's) ID and PIN.
#[derive(ts_rs::TS, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    pub code: String,
    pub pin: String,
}

#[derive(ts_rs::TS, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct AgentIssue {
    pub passenger_id: String,
    pub flight_id: String,
    pub kind: EntitlementKind,
    /// Statutory care only: which of the kind (the second meal is 2); the
    /// first when absent. Goodwill and upgrades are counted by the station.
    pub ordinal: Option<u32>,
    /// Goodwill only: the amount as the agent typed it, in major units of
    /// the station's currency ("50" HKD, "500" JPY, "1.5" KWD).
    pub amount: Option<String>,
    pub hotel_block_id: Option<String>,
    pub reason: Option<String>,
    pub approver: Option<Approval>,
}

impl Device {
    /// The signed-in agent, if the console is not idle-locked; using a
    /// command counts as activity.
    pub fn agent(&self) -> Result<AuthenticatedAgent, ApiError> {
        self.agent_session(true)
    }

    /// The signed-in agent for the screen's own background refreshes: they
    /// do not count as activity, or an unattended console would never lock.
    pub fn agent_quiet(&self) -> Result<AuthenticatedAgent, ApiError> {
        self.agent_session(false)
    }

    fn agent_session(&self, touch: bool) -> Result<AuthenticatedAgent, ApiError> {
        self.require_mode(Mode::Agent)?;
        self.agent.get(Device::wall(), touch).map_err(|gone| match gone {
            Gone::Idle => {
                err("auth.idle_locked", "the console locked itself after being idle; sign in again")
            }
            Gone::None => err("auth.signed_out", "sign in with your agent ID and PIN"),
        })
    }

    /// The ledger's context for an issue by this console's agent.
    pub fn issue_context<'a>(
        &'a self,
        agent: &'a AuthenticatedAgent,
        now: DateTime<Utc>,
    ) -> IssueContext<'a> {
        IssueContext::new(&self.settings.device, agent, &self.policy, now)
    }

    /// An agent's PIN, checked against the lock-out (a sign-in, or an approval).
    pub async fn check_pin(
        &self,
        code: &str,
        pin: &str,
        used_for: PinUse,
    ) -> Result<AuthenticatedAgent, ApiError> {
        let checked =
            self.station()?.check_pin(code, pin, used_for, self.now(), LockoutPolicy::default()).await?;
        checked.map_err(|e| err(e.code(), e.to_string()))
    }

    async fn approver(&self, approval: Option<&Approval>) -> Result<Option<AuthenticatedAgent>, ApiError> {
        match approval {
            Some(ap) => Ok(Some(self.check_pin(&ap.code, &ap.pin, PinUse::Approval).await?)),
            None => Ok(None),
        }
    }

    fn info(&self, a: &AuthenticatedAgent) -> AgentInfo {
        AgentInfo {
            code: a.code.clone(),
            name: a.name.clone(),
            role: a.role,
            idle_seconds: self.settings.agent_idle_seconds,
        }
    }

    pub async fn agent_sign_in(&self, code: &str, pin: &str) -> Result<AgentInfo, ApiError> {
        self.require_mode(Mode::Agent)?;
        let a = self.check_pin(code, pin, PinUse::SignIn).await?;
        let out = self.info(&a);
        self.agent.start(a, Device::wall());
        Ok(out)
    }

    pub fn agent_sign_out(&self) {
        self.agent.end();
    }

    /// Who is signed in (an error when signed out or locked).
    pub fn agent_whoami(&self) -> Result<AgentInfo, ApiError> {
        let a = self.agent()?;
        Ok(self.info(&a))
    }

    pub async fn agent_flight(&self, flight_id: &str, background: bool) -> Result<FlightView, ApiError> {
        self.agent_session(!background)?;
        Ok(self.station()?.flight_view(flight_id, &self.policy, self.now()).await?)
    }

    /// The new departure a delay would make, shown before the agent saves
    /// it: the form's follow-up of what was typed, not activity of its own.
    pub async fn agent_delay_preview(
        &self,
        flight_id: &str,
        minutes: i64,
    ) -> Result<DateTime<Utc>, ApiError> {
        self.agent_quiet()?;
        Ok(self.station()?.delayed_departure_of(flight_id, minutes).await?)
    }

    pub async fn agent_disruption(
        &self,
        flight_id: &str,
        entry: &DisruptionEntry,
    ) -> Result<FlightView, ApiError> {
        let a = self.agent()?;
        let station = self.station()?;
        let now = self.now();
        station.record_disruption(flight_id, entry, &a, &self.settings.device, now).await?;
        Ok(station.flight_view(flight_id, &self.policy, now).await?)
    }

    pub async fn agent_priority(&self, flight_id: &str) -> Result<Vec<PriorityRow>, ApiError> {
        self.agent()?;
        Ok(self.station()?.priority_list(flight_id, &self.policy).await?)
    }

    pub async fn agent_passenger(
        &self,
        passenger_id: &str,
        flight_id: &str,
    ) -> Result<PassengerView, ApiError> {
        let a = self.agent()?;
        Ok(self.station()?.passenger_view(passenger_id, flight_id, &a, &self.policy, self.now()).await?)
    }

    pub async fn agent_upgrades(&self, flight_id: &str) -> Result<Upgrades, ApiError> {
        self.agent()?;
        Ok(self.station()?.upgrade_candidates(flight_id, &self.policy).await?)
    }

    /// Issues one entitlement to one passenger and prints it. Statutory care
    /// (what the care engine says is due) never needs approval; goodwill and
    /// upgrades go through the authority limits, and above them need an
    /// approver's PIN.
    pub async fn agent_issue(&self, req: AgentIssue) -> Result<VoucherPrint, ApiError> {
        let a = self.agent()?;
        let approver = self.approver(req.approver.as_ref()).await?;
        let grant = AgentGrant {
            passenger_id: req.passenger_id,
            flight_id: req.flight_id,
            kind: req.kind,
            ordinal: req.ordinal,
            amount: req.amount,
            hotel_block_id: req.hotel_block_id,
            reason: req.reason.unwrap_or_default(),
        };
        let ctx = self.issue_context(&a, self.now());
        match self.station()?.grant(&ctx, self.settings.station.as_str(), &grant, approver).await {
            Ok(issued) => self.print_one(issued).await,
            // The code names who must approve, so the screen can ask for them.
            Err(LedgerError::NeedsApproval { approver, reason }) => Err(ApiError {
                code: match approver {
                    gatecare_policy::Role::DutyManager => "ledger.needs_approval.duty_manager",
                    _ => "ledger.needs_approval.supervisor",
                },
                message: reason,
                cause: None,
            }),
            // Offline, an upgrade without a lease needs a supervisor's
            // override: the same approval on the same screen.
            Err(LedgerError::NeedsOverride) => Err(err(
                "ledger.needs_approval.supervisor",
                "offline without a lease: a supervisor approves the upgrade",
            )),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn agent_void(&self, voucher_id: &str, reason: &str) -> Result<(), ApiError> {
        let a = self.agent()?;
        if reason.trim().chars().count() < 3 {
            return Err(err("void.reason_required", "say why the voucher is voided"));
        }
        let ctx = self.issue_context(&a, self.now());
        Ok(self.station()?.void(&ctx, voucher_id, reason.trim()).await?)
    }

    /// The passenger takes the refund instead of travelling on: care ends now.
    pub async fn agent_refund(&self, passenger_id: &str, flight_id: &str) -> Result<PassengerView, ApiError> {
        let a = self.agent()?;
        let now = self.now();
        let station = self.station()?;
        station
            .record_refund_choice(passenger_id, flight_id, &self.policy, &a, &self.settings.device, now)
            .await?;
        Ok(station.passenger_view(passenger_id, flight_id, &a, &self.policy, now).await?)
    }

    /// Re-routes one passenger of a cancelled flight apart from the flight's default.
    pub async fn agent_reroute(
        &self,
        passenger_id: &str,
        flight_id: &str,
        entry: &PassengerReroute,
    ) -> Result<PassengerView, ApiError> {
        let a = self.agent()?;
        let now = self.now();
        let station = self.station()?;
        station.reroute_passenger(flight_id, passenger_id, entry, &a, &self.settings.device, now).await?;
        Ok(station.passenger_view(passenger_id, flight_id, &a, &self.policy, now).await?)
    }

    /// Prints a passenger's written notice of rights (A4) at the console.
    pub async fn agent_print_notice(
        &self,
        passenger_id: &str,
        flight_id: &str,
    ) -> Result<NoticePrint, ApiError> {
        self.agent()?;
        self.print_notice(passenger_id, flight_id, gatecare_voucher::pdf::Layout::A4).await
    }

    pub async fn agent_reprint(&self, voucher_id: &str) -> Result<VoucherPrint, ApiError> {
        let a = self.agent()?;
        let ctx = self.issue_context(&a, self.now());
        let issued = self.station()?.reprint(&ctx, voucher_id, "reprinted at the gate").await?;
        self.print_one(issued).await
    }

    /// Issues every due meal (or transport) on the flight, or on the ticked
    /// passengers, in priority order, reporting progress every tenth
    /// passenger and at the end (enough for a smooth bar); then queues one
    /// print job.
    pub async fn agent_bulk(
        &self,
        flight_id: &str,
        kind: EntitlementKind,
        passenger_ids: Option<Vec<String>>,
        mut report: impl FnMut(BulkProgress),
    ) -> Result<BulkResult, ApiError> {
        let progress = |done: usize, total: usize| {
            if done.is_multiple_of(10) || done == total {
                report(BulkProgress { done, total });
            }
        };
        let a = self.agent()?;
        let ctx = self.issue_context(&a, self.now());
        let selection: Option<std::collections::HashSet<String>> =
            passenger_ids.map(|ids| ids.into_iter().collect());
        let summary =
            Bulk(self.station()?).issue_bulk_for(&ctx, flight_id, kind, selection.as_ref(), progress).await?;
        // A long run is activity: the idle clock starts again when it ends.
        self.agent.touch(Device::wall());
        let fresh: Vec<String> =
            summary.vouchers.iter().filter(|v| !v.reprint).map(|v| v.voucher_id.clone()).collect();
        self.submit_batch(summary, fresh, &format!("bulk-{flight_id}")).await
    }

    /// Prints again vouchers whose paper did not come out (each a reprint
    /// in the ledger), as one job.
    pub async fn agent_print_again(&self, voucher_ids: Vec<String>) -> Result<BulkResult, ApiError> {
        let a = self.agent()?;
        let station = self.station()?;
        let ctx = self.issue_context(&a, self.now());
        let mut summary = BulkSummary::default();
        for id in &voucher_ids {
            let issued = station.reprint(&ctx, id, "printed again: the printer failed").await?;
            summary.reprinted += 1;
            summary.vouchers.push(issued);
        }
        self.submit_batch(summary, voucher_ids, "again").await
    }

    /// Where a batch job stands (a background poll: not activity).
    pub async fn agent_print_job(
        &self,
        job: String,
        voucher_ids: &[String],
    ) -> Result<PrintJobState, ApiError> {
        self.agent_quiet()?;
        self.print_job_state(job, voucher_ids).await
    }
}
