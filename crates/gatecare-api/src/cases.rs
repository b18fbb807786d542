//! Service recovery: the passenger's complaint at the kiosk, and the
//! agent's cases (list, open, take, hand off, answer, resolve, follow up).
//! Ownership and authority are checked by the station's cases; an approver
//! is a second PIN check here.

use gatecare_recovery::{Actor, AgentRef, Category, Change, EarlyWarning, Remedy, Severity};
use gatecare_station::cases::{CaseView, NewCase, case_view};
use serde::{Deserialize, Serialize};

use crate::Device;
use crate::agent::Approval;
use crate::error::{ApiError, err};

fn case_id(s: &str) -> Result<uuid::Uuid, ApiError> {
    uuid::Uuid::parse_str(s).map_err(|_| err("case.not_found", "no such case"))
}

/// What the passenger is told after complaining.
#[derive(ts_rs::TS, Debug, Serialize)]
pub struct KioskCase {
    /// The case's short reference, to quote to staff.
    pub reference: String,
    pub due: chrono::DateTime<chrono::Utc>,
    pub time_zone: String,
    pub repeat: bool,
}

#[derive(ts_rs::TS, Debug, Serialize)]
pub struct AgentCases {
    pub cases: Vec<CaseView>,
    /// Today's counts (station time) with the alerts.
    pub today: EarlyWarning,
    /// The last seven days, for the trend.
    pub week: EarlyWarning,
    pub agents: Vec<AgentRef>,
    /// What remedies are counted in (vouchers are entered in it).
    pub currency: String,
}

#[derive(ts_rs::TS, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct AgentCaseOpen {
    pub passenger_id: String,
    pub flight_id: String,
    pub category: Category,
    pub severity: Severity,
    pub description: String,
}

/// What an agent does to a case.
#[derive(ts_rs::TS, Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseAction {
    Take,
    Transfer,
    Progress,
    FollowUp,
}

#[derive(ts_rs::TS, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct AgentCaseUpdate {
    pub case_id: String,
    pub action: CaseAction,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub told_passenger: bool,
    /// Transfer: the agent's code.
    pub to: Option<String>,
}

#[derive(ts_rs::TS, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct AgentCaseResolve {
    pub case_id: String,
    #[serde(default)]
    pub apology: bool,
    /// A goodwill voucher as the agent typed it, in major units of the
    /// recovery currency ("50" HKD, "500" JPY, "1.5" KWD); empty for none.
    pub voucher: Option<String>,
    pub miles: Option<u32>,
    #[serde(default)]
    pub upgrade: bool,
    #[serde(default)]
    pub refund_referral: bool,
    #[serde(default)]
    pub note: String,
    pub approver: Option<Approval>,
}

impl Device {
    /// The kiosk's complaint entry (after the feedback tap): category and the
    /// passenger's own words. Nobody is asked for proof (seed 002).
    pub async fn kiosk_complaint(
        &self,
        category: Category,
        description: String,
    ) -> Result<KioskCase, ApiError> {
        let s = self.kiosk_session()?;
        let new = NewCase {
            passenger_id: s.passenger_id,
            flight_id: s.flight_id,
            category,
            severity: Severity::Medium,
            description,
        };
        let now = self.settings.clock.now();
        let case = self
            .station()?
            .open_case(&new, Actor::Kiosk { device: self.settings.device.clone() }, &self.policy, now)
            .await?;
        let v = case_view(case, &self.policy, now);
        Ok(KioskCase {
            reference: v.reference.clone(),
            due: v.case.opened.first_answer_due,
            time_zone: v.time_zone.clone(),
            repeat: v.repeat,
        })
    }

    /// The station's cases, most urgent first, and the early-warning counts.
    /// Polled by the screen: does not keep an idle console unlocked.
    pub async fn agent_cases(&self) -> Result<AgentCases, ApiError> {
        self.agent_quiet()?;
        let store = self.station()?;
        let now = self.settings.clock.now();
        let tz = gatecare_reference::time_zone(self.settings.station.as_str());
        let today = now.with_timezone(&tz).date_naive();
        let week_start = today - chrono::Duration::days(6);
        Ok(AgentCases {
            cases: store.station_cases(&self.policy, now, 14).await?,
            today: store.early_warning(&self.policy, today, today).await?,
            week: store.early_warning(&self.policy, week_start, today).await?,
            agents: store.case_agents().await?,
            currency: self.policy.recovery.currency.to_string(),
        })
    }

    /// An agent opens a case for the passenger in front of them; the agent who
    /// opens it takes it (first contact owns it).
    pub async fn agent_case_open(&self, req: AgentCaseOpen) -> Result<CaseView, ApiError> {
        let a = self.agent()?;
        let store = self.station()?;
        let now = self.settings.clock.now();
        let new = NewCase {
            passenger_id: req.passenger_id,
            flight_id: req.flight_id,
            category: req.category,
            severity: req.severity,
            description: req.description,
        };
        let who = gatecare_station::cases::agent_ref(&a);
        let case = store.open_case(&new, Actor::Agent(who), &self.policy, now).await?;
        let case = store.update_case(case.opened.case_id, Change::Take, &a, now).await?;
        Ok(case_view(case, &self.policy, now))
    }

    pub async fn agent_case_update(&self, req: AgentCaseUpdate) -> Result<CaseView, ApiError> {
        let a = self.agent()?;
        let store = self.station()?;
        let now = self.settings.clock.now();
        let change = match req.action {
            CaseAction::Take => Change::Take,
            CaseAction::Progress => Change::Progress { note: req.note, told_passenger: req.told_passenger },
            CaseAction::FollowUp => Change::FollowUp { note: req.note },
            CaseAction::Transfer => {
                // One spelling of a code, as at sign-in.
                let code = gatecare_core::AgentCode::parse(req.to.as_deref().unwrap_or_default())
                    .map_err(|_| err("case.invalid", "choose an agent of this station"))?;
                let to = store
                    .case_agents()
                    .await?
                    .into_iter()
                    .find(|x| x.code == code.to_string())
                    .ok_or_else(|| err("case.invalid", "choose an agent of this station"))?;
                Change::Transfer { to, note: req.note }
            }
        };
        let case = store.update_case(case_id(&req.case_id)?, change, &a, now).await?;
        Ok(case_view(case, &self.policy, now))
    }

    /// Resolves a case with what was given, within the resolver's authority for
    /// this passenger's stars, or with an approver's PIN above it.
    pub async fn agent_case_resolve(&self, req: AgentCaseResolve) -> Result<CaseView, ApiError> {
        let a = self.agent()?;
        let store = self.station()?;
        let now = self.settings.clock.now();
        let id = case_id(&req.case_id)?;
        let case = store.case(id).await?.ok_or_else(|| err("case.not_found", "no such case"))?;
        let mut remedies = Vec::new();
        if req.apology {
            remedies.push(Remedy::Apology);
        }
        if let Some(typed) = req.voucher.as_deref().filter(|t| !t.trim().is_empty()) {
            let value = gatecare_station::grant::goodwill_value(Some(typed), self.policy.recovery.currency)?;
            remedies.push(Remedy::Voucher { value });
        }
        if let Some(m) = req.miles.filter(|m| *m != 0) {
            remedies.push(Remedy::Miles { miles: m });
        }
        if req.upgrade {
            remedies.push(Remedy::Upgrade);
        }
        if req.refund_referral {
            remedies.push(Remedy::RefundReferral);
        }
        let approver = match &req.approver {
            Some(ap) => Some(self.check_pin(&ap.code, &ap.pin, gatecare_store::PinUse::Approval).await?),
            None => None,
        };
        // The authority limit grows with the passenger's stars, as the
        // passenger view computes them.
        let stars = store
            .passenger_view(&case.opened.passenger_id, &case.opened.flight_id, &a, &self.policy, now)
            .await
            .map(|v| v.stars)
            .unwrap_or(1);
        // A voucher remedy is issued as a goodwill voucher under the same
        // approval (it then shows, printable, in the passenger's vouchers).
        let ctx = self.issue_context(&a, now);
        let (case, _voucher) =
            store.resolve_case_issuing(&ctx, id, remedies, &req.note, approver.as_ref(), stars).await?;
        Ok(case_view(case, &self.policy, now))
    }

    /// Every station's cases as central counts them (the last seven days):
    /// needs central; offline, the screen says so and the station's own list
    /// still works.
    pub async fn agent_network_cases(&self) -> Result<gatecare_recovery::summary::RecoverySummary, ApiError> {
        self.agent_quiet()?;
        let store = self.station()?;
        let enrolment = store
            .enrolment()
            .await?
            .ok_or_else(|| err("sync.not_enrolled", "this console is not enrolled with central"))?;
        let client = gatecare_link::CentralClient::for_enrolment(&enrolment)
            .map_err(|e| err(e.code(), e.to_string()))?;
        let tz = gatecare_reference::time_zone(self.settings.station.as_str());
        let today = self.settings.clock.now().with_timezone(&tz).date_naive();
        client
            .recovery_summary(today - chrono::Duration::days(6), today)
            .await
            .map_err(|e| err(e.code(), e.to_string()))
    }
}
