//! The gate agent's commands. Every one needs agent mode and a signed-in,
//! unlocked agent; authority limits are enforced by the ledger, and a
//! supervisor's approval is a second PIN check here, never a UI flag.

use std::time::{Duration, Instant};

use gatecare_client::bulk::BulkSummary;
use gatecare_client::console::{
    DisruptionEntry, FlightView, PassengerReroute, PassengerView, PriorityRow, Upgrades,
};
use gatecare_client::grant::AgentGrant;
use gatecare_client::vouchers::VoucherPrint;
use gatecare_client::{AuthenticatedAgent, IssueContext, Issued, LockoutPolicy, Mode};
use gatecare_ledger::EntitlementKind;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Emitter, State};

use crate::commands::{UiError, err};
use crate::kiosk::require_mode;
use crate::state::AppState;

/// The signed-in agent, if the console is not idle-locked; using a command
/// counts as activity.
pub(crate) fn agent(state: &AppState) -> Result<AuthenticatedAgent, UiError> {
    agent_session(state, true)
}

/// The signed-in agent for the screen's own background refreshes: they do
/// not count as activity.
pub(crate) fn agent_quiet(state: &AppState) -> Result<AuthenticatedAgent, UiError> {
    agent_session(state, false)
}

/// As [`agent`]; `touch = false` for the screen's own background refreshes,
/// which must not keep an unattended console unlocked.
fn agent_session(state: &AppState, touch: bool) -> Result<AuthenticatedAgent, UiError> {
    require_mode(state, Mode::Agent)?;
    let mut slot = state.agent.lock().map_err(|_| err("auth.state", "agent session poisoned"))?;
    let idle = Duration::from_secs(u64::from(state.settings.agent_idle_seconds));
    match slot.as_mut() {
        Some((_, at)) if at.elapsed() > idle => {
            *slot = None;
            Err(err("auth.idle_locked", "the console locked itself after being idle; sign in again"))
        }
        Some((a, at)) => {
            if touch {
                *at = Instant::now();
            }
            Ok(a.clone())
        }
        None => Err(err("auth.signed_out", "sign in with your agent ID and PIN")),
    }
}

/// The ledger's context for an issue by this console's agent.
pub(crate) fn issue_context<'a>(
    state: &'a AppState,
    agent: &'a AuthenticatedAgent,
    now: chrono::DateTime<chrono::Utc>,
) -> IssueContext<'a> {
    IssueContext::new(&state.settings.device, agent, &state.policy, now)
}

fn touch(state: &AppState) {
    if let Ok(mut slot) = state.agent.lock()
        && let Some((_, at)) = slot.as_mut()
    {
        *at = Instant::now();
    }
}

#[derive(Debug, Serialize)]
pub struct AgentInfo {
    pub code: String,
    pub name: String,
    pub role: gatecare_care::policy::Role,
    pub idle_seconds: u32,
}

fn info(a: &AuthenticatedAgent, state: &AppState) -> AgentInfo {
    AgentInfo {
        code: a.code.clone(),
        name: a.name.clone(),
        role: a.role,
        idle_seconds: state.settings.agent_idle_seconds,
    }
}

pub(crate) async fn check_pin(
    state: &AppState,
    code: &str,
    pin: &str,
) -> Result<AuthenticatedAgent, UiError> {
    let store = state.store()?;
    match store.verify_pin(code.trim(), pin, state.settings.clock.now(), LockoutPolicy::default()).await? {
        Ok(a) => Ok(a),
        Err(e) => Err(err(e.code(), e.to_string())),
    }
}

#[tauri::command]
pub async fn agent_sign_in(
    state: State<'_, AppState>,
    code: String,
    pin: String,
) -> Result<AgentInfo, UiError> {
    require_mode(&state, Mode::Agent)?;
    let a = check_pin(&state, &code, &pin).await?;
    let out = info(&a, &state);
    *state.agent.lock().map_err(|_| err("auth.state", "agent session poisoned"))? = Some((a, Instant::now()));
    Ok(out)
}

#[tauri::command]
pub fn agent_sign_out(state: State<'_, AppState>) -> Result<(), UiError> {
    *state.agent.lock().map_err(|_| err("auth.state", "agent session poisoned"))? = None;
    Ok(())
}

/// Who is signed in (an error when signed out or locked).
#[tauri::command]
pub fn agent_whoami(state: State<'_, AppState>) -> Result<AgentInfo, UiError> {
    let a = agent(&state)?;
    Ok(info(&a, &state))
}

#[tauri::command]
pub async fn agent_flight(
    state: State<'_, AppState>,
    flight_id: String,
    background: Option<bool>,
) -> Result<FlightView, UiError> {
    agent_session(&state, !background.unwrap_or(false))?;
    Ok(state.store()?.flight_view(&flight_id, &state.policy, state.settings.clock.now()).await?)
}

/// The new departure a delay would make, shown before the agent saves it.
#[tauri::command]
pub async fn agent_delay_preview(
    state: State<'_, AppState>,
    flight_id: String,
    minutes: i64,
) -> Result<chrono::DateTime<chrono::Utc>, UiError> {
    // The form's own follow-up of what was typed: not activity of its own.
    agent_quiet(&state)?;
    Ok(state.store()?.delayed_departure_of(&flight_id, minutes).await?)
}

#[tauri::command]
pub async fn agent_disruption(
    state: State<'_, AppState>,
    flight_id: String,
    entry: DisruptionEntry,
) -> Result<FlightView, UiError> {
    let a = agent(&state)?;
    let store = state.store()?;
    let now = state.settings.clock.now();
    store.record_disruption(&flight_id, &entry, &a, &state.settings.device, now).await?;
    Ok(store.flight_view(&flight_id, &state.policy, now).await?)
}

#[tauri::command]
pub async fn agent_priority(
    state: State<'_, AppState>,
    flight_id: String,
) -> Result<Vec<PriorityRow>, UiError> {
    agent(&state)?;
    Ok(state.store()?.priority_list(&flight_id, &state.policy).await?)
}

#[tauri::command]
pub async fn agent_passenger(
    state: State<'_, AppState>,
    passenger_id: String,
    flight_id: String,
) -> Result<PassengerView, UiError> {
    let a = agent(&state)?;
    Ok(state
        .store()?
        .passenger_view(&passenger_id, &flight_id, &a, &state.policy, state.settings.clock.now())
        .await?)
}

#[tauri::command]
pub async fn agent_upgrades(state: State<'_, AppState>, flight_id: String) -> Result<Upgrades, UiError> {
    agent(&state)?;
    Ok(state.store()?.upgrade_candidates(&flight_id, &state.policy).await?)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    pub code: String,
    pub pin: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentIssue {
    pub passenger_id: String,
    pub flight_id: String,
    /// meal, hotel, transport, upgrade, goodwill
    pub kind: String,
    #[serde(default = "one")]
    pub ordinal: u32,
    /// Goodwill only: the amount as the agent typed it, in major units of
    /// the station's currency ("50" HKD, "500" JPY, "1.5" KWD).
    pub amount: Option<String>,
    pub hotel_block_id: Option<String>,
    #[serde(default)]
    pub reason: String,
    /// A supervisor's (or duty manager's) ID and PIN, checked here.
    pub approver: Option<Approval>,
}

fn one() -> u32 {
    1
}

/// Issues one entitlement to one passenger. Statutory care (what the care
/// engine says is due) never needs approval; goodwill and upgrades go
/// through the authority limits, and above them need an approver's PIN.
#[tauri::command]
pub async fn agent_issue(state: State<'_, AppState>, req: AgentIssue) -> Result<VoucherPrint, UiError> {
    let a = agent(&state)?;
    let store = state.store()?;
    let now = state.settings.clock.now();
    let kind =
        EntitlementKind::parse(&req.kind).ok_or_else(|| err("ledger.invalid", "unknown entitlement kind"))?;
    let approver = match &req.approver {
        Some(ap) => Some(check_pin(&state, &ap.code, &ap.pin).await?),
        None => None,
    };
    let grant = AgentGrant {
        passenger_id: req.passenger_id,
        flight_id: req.flight_id,
        kind,
        ordinal: req.ordinal,
        amount: req.amount,
        hotel_block_id: req.hotel_block_id,
        reason: req.reason,
    };
    let ctx = issue_context(&state, &a, now);
    let issued = store.grant(&ctx, state.settings.station.as_str(), &grant, approver).await;
    match issued {
        Ok(i) => print_one(&state, i).await,
        // The code names who must approve, so the screen can ask for them.
        Err(gatecare_client::LedgerError::NeedsApproval { approver, reason }) => Err(UiError {
            code: match approver {
                gatecare_care::policy::Role::DutyManager => "ledger.needs_approval.duty_manager",
                _ => "ledger.needs_approval.supervisor",
            },
            message: reason,
        }),
        // Offline, an upgrade without a lease needs a supervisor's override:
        // the same approval on the same screen.
        Err(gatecare_client::LedgerError::NeedsOverride) => Err(UiError {
            code: "ledger.needs_approval.supervisor",
            message: "offline without a lease: a supervisor approves the upgrade".into(),
        }),
        Err(e) => Err(e.into()),
    }
}

/// Prints one voucher on the console's printer: rendered, journalled, then
/// submitted and waited for on a blocking thread. When the paper does not
/// come out, the result carries the QR for the screen.
async fn print_one(state: &AppState, issued: Issued) -> Result<VoucherPrint, UiError> {
    use gatecare_client::printer::Printer;
    let store = state.store()?;
    let now = state.settings.clock.now();
    let printer_name = state.printer.name();
    let spool = gatecare_client::printer::spool_dir();
    let prepared = store
        .prepare_print(issued, &state.settings.device, state.fonts()?, &printer_name, &spool, now)
        .await
        .map_err(|e| err(e.code(), e.to_string()))?;
    crate::commands::print_prepared(state, prepared, gatecare_client::vouchers::CONSOLE_PRINT_WAIT).await
}

#[tauri::command]
pub async fn agent_void(
    state: State<'_, AppState>,
    voucher_id: String,
    reason: String,
) -> Result<(), UiError> {
    let a = agent(&state)?;
    let settings = &state.settings;
    if reason.trim().chars().count() < 3 {
        return Err(err("void.reason_required", "say why the voucher is voided"));
    }
    let ctx = issue_context(&state, &a, settings.clock.now());
    Ok(state.store()?.void(&ctx, &voucher_id, reason.trim()).await?)
}

/// The passenger takes the refund instead of travelling on: care ends now.
#[tauri::command]
pub async fn agent_refund(
    state: State<'_, AppState>,
    passenger_id: String,
    flight_id: String,
) -> Result<PassengerView, UiError> {
    let a = agent(&state)?;
    let now = state.settings.clock.now();
    let store = state.store()?;
    store
        .record_refund_choice(&passenger_id, &flight_id, &state.policy, &a, &state.settings.device, now)
        .await?;
    Ok(store.passenger_view(&passenger_id, &flight_id, &a, &state.policy, now).await?)
}

/// Re-routes one passenger of a cancelled flight apart from the flight's default.
#[tauri::command]
pub async fn agent_reroute(
    state: State<'_, AppState>,
    passenger_id: String,
    flight_id: String,
    entry: PassengerReroute,
) -> Result<PassengerView, UiError> {
    let a = agent(&state)?;
    let now = state.settings.clock.now();
    let store = state.store()?;
    store.reroute_passenger(&flight_id, &passenger_id, &entry, &a, &state.settings.device, now).await?;
    Ok(store.passenger_view(&passenger_id, &flight_id, &a, &state.policy, now).await?)
}

/// Prints a passenger's written notice of rights (A4) at the console.
#[tauri::command]
pub async fn agent_print_notice(
    state: State<'_, AppState>,
    passenger_id: String,
    flight_id: String,
) -> Result<crate::commands::NoticePrint, UiError> {
    agent(&state)?;
    crate::commands::print_notice(&state, &passenger_id, &flight_id, gatecare_voucher::pdf::Layout::A4).await
}

#[tauri::command]
pub async fn agent_reprint(state: State<'_, AppState>, voucher_id: String) -> Result<VoucherPrint, UiError> {
    let a = agent(&state)?;
    let settings = &state.settings;
    let ctx = issue_context(&state, &a, settings.clock.now());
    let issued = state.store()?.reprint(&ctx, &voucher_id, "reprinted at the gate").await?;
    print_one(&state, issued).await
}

#[derive(Debug, Clone, Serialize)]
pub struct BulkProgress {
    pub done: usize,
    pub total: usize,
}

#[derive(Debug, Serialize)]
pub struct BulkResult {
    pub summary: BulkSummary,
    /// The batch went to the printer as this job; the screen follows it
    /// with `agent_print_job`.
    pub print_job: Option<String>,
    /// The printer refused the job outright.
    pub print_error: Option<&'static str>,
    /// The vouchers of the job (or of the refused one), to follow or show.
    pub voucher_ids: Vec<String>,
    /// When the printer refused it: each voucher's QR for the screen.
    pub unprinted: Vec<gatecare_client::vouchers::VoucherQr>,
}

/// A batch job as the printer reports it.
#[derive(Debug, Serialize)]
pub struct PrintJobState {
    /// `pending`, `printed` or `failed`.
    pub state: &'static str,
    pub print_error: Option<&'static str>,
    /// When it failed: each voucher's QR for the screen.
    pub unprinted: Vec<gatecare_client::vouchers::VoucherQr>,
}

/// Issues every due meal (or transport) on the flight in priority order,
/// reporting progress as `bulk-progress` events, then queues one print job.
#[tauri::command]
pub async fn agent_bulk(
    app: AppHandle,
    state: State<'_, AppState>,
    flight_id: String,
    kind: String,
    passenger_ids: Option<Vec<String>>,
) -> Result<BulkResult, UiError> {
    let a = agent(&state)?;
    let settings = &state.settings;
    let store = state.store()?;
    let kind =
        EntitlementKind::parse(&kind).ok_or_else(|| err("ledger.invalid", "unknown entitlement kind"))?;
    let now = settings.clock.now();
    let ctx = issue_context(&state, &a, now);
    // A selection (ticked rows) or, without one, the whole flight.
    let selection: Option<std::collections::HashSet<String>> =
        passenger_ids.map(|ids| ids.into_iter().collect());
    let summary = store
        .issue_bulk_for(&ctx, &flight_id, kind, selection.as_ref(), |done, total| {
            // Every 10th and the last: enough for a smooth bar.
            if done % 10 == 0 || done == total {
                let _ = app.emit("bulk-progress", BulkProgress { done, total });
            }
        })
        .await?;
    // A long run is activity: the idle clock starts again when it ends.
    touch(&state);
    let fresh: Vec<String> =
        summary.vouchers.iter().filter(|v| !v.reprint).map(|v| v.voucher_id.clone()).collect();
    submit_batch(&state, summary, fresh, &format!("bulk-{flight_id}")).await
}

/// Prints again vouchers whose paper did not come out (each a reprint in
/// the ledger), as one job.
#[tauri::command]
pub async fn agent_print_again(
    state: State<'_, AppState>,
    voucher_ids: Vec<String>,
) -> Result<BulkResult, UiError> {
    let a = agent(&state)?;
    let store = state.store()?;
    let ctx = issue_context(&state, &a, state.settings.clock.now());
    let mut summary = BulkSummary::default();
    for id in &voucher_ids {
        let issued = store.reprint(&ctx, id, "printed again: the printer failed").await?;
        summary.reprinted += 1;
        summary.vouchers.push(issued);
    }
    submit_batch(&state, summary, voucher_ids, "again").await
}

/// Where a batch job stands: asked once of the print system (no waiting);
/// when it failed, the vouchers' QRs.
#[tauri::command]
pub async fn agent_print_job(
    state: State<'_, AppState>,
    job: String,
    voucher_ids: Vec<String>,
) -> Result<PrintJobState, UiError> {
    use gatecare_client::printer::{JobState, Printer};
    agent_quiet(&state)?;
    let printer = state.printer.clone();
    let asked = tauri::async_runtime::spawn_blocking(move || printer.state(&job))
        .await
        .map_err(|e| err("print.failed", e.to_string()))?;
    let (state_name, error) = match asked {
        Ok(JobState::Pending) => {
            return Ok(PrintJobState { state: "pending", print_error: None, unprinted: vec![] });
        }
        Ok(JobState::Completed) => {
            return Ok(PrintJobState { state: "printed", print_error: None, unprinted: vec![] });
        }
        Ok(JobState::Failed { .. }) => ("failed", "print.failed"),
        Err(e) => ("failed", e.code()),
    };
    Ok(PrintJobState {
        state: state_name,
        print_error: Some(error),
        unprinted: qrs(&state, &voucher_ids).await?,
    })
}

/// Each voucher's signed QR, for the screen when its paper did not come out.
async fn qrs(
    state: &AppState,
    voucher_ids: &[String],
) -> Result<Vec<gatecare_client::vouchers::VoucherQr>, UiError> {
    let store = state.store()?;
    let signer = store.device_signer(&state.settings.device, state.settings.clock.now()).await?;
    Ok(store.voucher_qrs(voucher_ids, &signer).await?)
}

/// Renders a batch of vouchers as one PDF and submits it without waiting.
async fn submit_batch(
    state: &AppState,
    summary: BulkSummary,
    voucher_ids: Vec<String>,
    name: &str,
) -> Result<BulkResult, UiError> {
    if voucher_ids.is_empty() {
        return Ok(BulkResult {
            summary,
            print_job: None,
            print_error: None,
            voucher_ids,
            unprinted: vec![],
        });
    }
    let settings = &state.settings;
    let store = state.store()?;
    let fonts = state.fonts()?;
    let signer = store.device_signer(&settings.device, settings.clock.now()).await?;
    let layout = gatecare_voucher::pdf::Layout::Receipt80;
    let pdf = store.flight_pdf(&voucher_ids, &signer, fonts, layout, |_, _| {}).await?;
    let printer = state.printer.clone();
    let spool = gatecare_client::printer::spool_dir();
    let name = format!("{name}-{}", uuid::Uuid::now_v7());
    let submitted = tauri::async_runtime::spawn_blocking(move || {
        gatecare_client::printer::submit_document(&printer, &spool, &name, &pdf, layout.media())
    })
    .await
    .map_err(|e| err("print.failed", e.to_string()))?;
    Ok(match submitted {
        Ok(job) => {
            BulkResult { summary, print_job: Some(job), print_error: None, voucher_ids, unprinted: vec![] }
        }
        Err(e) => BulkResult {
            summary,
            print_job: None,
            print_error: Some(e.code()),
            unprinted: qrs(state, &voucher_ids).await?,
            voucher_ids,
        },
    })
}
