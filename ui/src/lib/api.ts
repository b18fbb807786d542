// The only door to Rust. The webview has no network access of its own: every
// request goes through these commands, which the capability file allows.
import { invoke as tauriInvoke } from '@tauri-apps/api/core';
import { markActive } from './activity';
import type {
  Actor,
  ConflictReport,
  RecoverySummary,
  AgentCaseOpen,
  AgentCaseResolve,
  AgentCaseUpdate,
  AgentCases,
  AgentInfo,
  AgentIssue,
  ApiError,
  AppInfo,
  BulkResult,
  CareKind,
  CaseView,
  Category,
  CauseInput,
  Change,
  DisruptionEntry,
  EarlyWarning,
  EntitlementKind,
  FlightBoard,
  FlightView,
  KioskCase,
  KioskHotel,
  KioskView,
  NoticePrint,
  PassengerReroute,
  PassengerView,
  PrintJobState,
  PriorityRow,
  Severity,
  SyncStatus,
  Upgrades,
  VoucherPrint,
} from './ipc';

// The types of what crosses IPC are generated from Rust (ipc.ts).
export type * from './ipc';
export type CaseActor = Actor;
export type CaseCategory = Category;
export type CaseChange = Change;
export type CaseResolve = AgentCaseResolve;
export type CauseEntry = CauseInput;
export type UiError = ApiError;

/** Every command counts as activity, when sent and when it answers. */
async function invoke<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  markActive();
  try {
    return await tauriInvoke<T>(cmd, args);
  } finally {
    markActive();
  }
}

export function asUiError(e: unknown): UiError {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string') {
    const message = 'message' in e && typeof e.message === 'string' ? e.message : '';
    const cause = 'cause' in e && typeof e.cause === 'string' ? e.cause : undefined;
    return cause ? { code: e.code, message, cause } : { code: e.code, message };
  }
  return { code: 'ipc', message: String(e) };
}

export const appInfo = (): Promise<AppInfo> => invoke<AppInfo>('app_info');

// Background polling is not activity: it must not keep an idle console open.
export const syncStatus = (): Promise<SyncStatus> => tauriInvoke<SyncStatus>('sync_status');
export const flightBoard = (): Promise<FlightBoard> => invoke<FlightBoard>('flight_board');
/** The board's own refresh: not activity, here or in Rust. */
export const flightBoardRefresh = (): Promise<FlightBoard> =>
  tauriInvoke<FlightBoard>('flight_board', { background: true });

export const kioskScan = (pass: string): Promise<KioskView> => invoke<KioskView>('kiosk_scan', { pass });
export const kioskLookup = (pnr: string, surname: string): Promise<KioskView> =>
  invoke<KioskView>('kiosk_lookup', { pnr, surname });
export const kioskView = (): Promise<KioskView> => invoke<KioskView>('kiosk_view');

export const kioskPrint = (kind: CareKind, ordinal: number, hotel?: string): Promise<VoucherPrint> =>
  invoke<VoucherPrint>('kiosk_print', { kind, ordinal, hotel: hotel ?? null });
export const kioskHotels = (): Promise<KioskHotel[]> => invoke<KioskHotel[]>('kiosk_hotels');
export const kioskSwitch = (passengerId: string): Promise<KioskView> =>
  invoke<KioskView>('kiosk_switch', { passengerId });
export const kioskEnd = (): Promise<void> => invoke<void>('kiosk_end');
export const kioskFeedback = (score: number): Promise<void> => invoke<void>('kiosk_feedback', { score });
export const kioskEnrol = (mobile: string, consent: boolean): Promise<string> =>
  invoke<string>('kiosk_enrol', { mobile, consent });

// ---- Gate-agent console -------------------------------------------------

export const agentSignIn = (code: string, pin: string): Promise<AgentInfo> =>
  invoke<AgentInfo>('agent_sign_in', { code, pin });
export const agentSignOut = (): Promise<void> => invoke<void>('agent_sign_out');
export const agentWhoami = (): Promise<AgentInfo> => invoke<AgentInfo>('agent_whoami');
export const agentFlight = (flightId: string): Promise<FlightView> => invoke<FlightView>('agent_flight', { flightId });
/** The screen's own refresh: not activity, here or in Rust. */
export const agentFlightRefresh = (flightId: string): Promise<FlightView> =>
  tauriInvoke<FlightView>('agent_flight', { flightId, background: true });
/** The new departure a delay of `minutes` would make (Rust adds it, the screen only shows it). */
export const agentDelayPreview = (flightId: string, minutes: number): Promise<string> =>
  tauriInvoke<string>('agent_delay_preview', { flightId, minutes });
export const agentDisruption = (
  flightId: string,
  entry: DisruptionEntry,
): Promise<FlightView> => invoke<FlightView>('agent_disruption', { flightId, entry });
export const agentPriority = (flightId: string): Promise<PriorityRow[]> =>
  invoke<PriorityRow[]>('agent_priority', { flightId });
export const agentPassenger = (passengerId: string, flightId: string): Promise<PassengerView> =>
  invoke<PassengerView>('agent_passenger', { passengerId, flightId });
export const agentUpgrades = (flightId: string): Promise<Upgrades> => invoke<Upgrades>('agent_upgrades', { flightId });
export const agentIssue = (req: AgentIssue): Promise<VoucherPrint> => invoke<VoucherPrint>('agent_issue', { req });
export const agentRefund = (passengerId: string, flightId: string): Promise<PassengerView> =>
  invoke<PassengerView>('agent_refund', { passengerId, flightId });
export const agentReroute = (
  passengerId: string,
  flightId: string,
  entry: PassengerReroute,
): Promise<PassengerView> => invoke<PassengerView>('agent_reroute', { passengerId, flightId, entry });
export const agentPrintNotice = (passengerId: string, flightId: string): Promise<NoticePrint> =>
  invoke<NoticePrint>('agent_print_notice', { passengerId, flightId });
export const kioskPrintNotice = (): Promise<NoticePrint> => invoke<NoticePrint>('kiosk_print_notice');
export const agentVoid = (voucherId: string, reason: string): Promise<void> =>
  invoke<void>('agent_void', { voucherId, reason });
export const agentReprint = (voucherId: string): Promise<VoucherPrint> =>
  invoke<VoucherPrint>('agent_reprint', { voucherId });
export const agentPrintAgain = (voucherIds: string[]): Promise<BulkResult> =>
  invoke<BulkResult>('agent_print_again', { voucherIds });
export const agentPrintJob = (job: string, voucherIds: string[]): Promise<PrintJobState> =>
  invoke<PrintJobState>('agent_print_job', { job, voucherIds });
/** The kinds a whole flight is issued at once (Rust refuses the others). */
export type BulkKind = Extract<EntitlementKind, 'meal' | 'transport'>;
export const agentBulk = (flightId: string, kind: BulkKind, passengerIds?: string[]): Promise<BulkResult> =>
  invoke<BulkResult>('agent_bulk', { flightId, kind, passengerIds: passengerIds ?? null });

export { formatAmount, formatMoney } from './money';


/** Background refresh: not activity. */
export const agentConflicts = (): Promise<ConflictReport[]> => tauriInvoke<ConflictReport[]>('sync_conflicts');

// Service recovery.

export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high'];

export const CASE_CATEGORIES: readonly CaseCategory[] = [
  'delay_handling',
  'staff_attitude',
  'baggage',
  'voucher_refused',
  'hotel_problem',
  'information',
  'other',
];

export const kioskComplaint = (category: CaseCategory, description: string): Promise<KioskCase> =>
  invoke<KioskCase>('kiosk_complaint', { category, description });
/** Polled by the cases screen: not activity. */
export const agentCases = (): Promise<AgentCases> => tauriInvoke<AgentCases>('agent_cases');
export const agentCaseOpen = (req: AgentCaseOpen): Promise<CaseView> => invoke<CaseView>('agent_case_open', { req });
export const agentCaseUpdate = (req: AgentCaseUpdate): Promise<CaseView> =>
  invoke<CaseView>('agent_case_update', { req });
export const agentCaseResolve = (req: CaseResolve): Promise<CaseView> => invoke<CaseView>('agent_case_resolve', { req });

/** A moment as the station sees it: "Wed, 25 Nov, 22:30" / "11月25日周三 22:30". */
export function formatStationTime(locale: string, iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat(locale, {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));
}

/** Central's count of every station's cases (the last seven days). */
export type NetworkCases = RecoverySummary;

/** Background: not activity. Needs central; offline it rejects with `sync.offline`. */
export const agentNetworkCases = (): Promise<NetworkCases> => tauriInvoke<NetworkCases>('agent_network_cases');
