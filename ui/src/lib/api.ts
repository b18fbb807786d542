// The only door to Rust. The webview has no network access of its own: every
// request goes through these commands, which the capability file allows.
import { invoke as tauriInvoke } from '@tauri-apps/api/core';
import { markActive } from './activity';

/** Every command counts as activity, when sent and when it answers. */
async function invoke<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  markActive();
  try {
    return await tauriInvoke<T>(cmd, args);
  } finally {
    markActive();
  }
}

export type Mode = 'agent' | 'kiosk';
export type FlightStatus = 'on_time' | 'delayed' | 'cancelled';

export interface AppInfo {
  version: string;
  mode: Mode;
  station: string;
  station_name: string;
  station_city: string;
  station_city_zh: string | null;
  time_zone: string;
  now: string;
  language: string;
  store: string;
  kiosk_idle_seconds: number;
}

export interface FlightSummary {
  id: string;
  flight: string;
  origin: string;
  destination: string;
  destination_city: string;
  destination_city_zh: string | null;
  scheduled_departure: string;
  expected_departure: string | null;
  scheduled_local: string;
  expected_local: string | null;
  expected_day_offset: number;
  /** -1 for yesterday's flight whose care is still open. */
  scheduled_day_offset: number;
  gate: string | null;
  status: FlightStatus;
  delay_minutes: number;
  cause: string | null;
  passengers: number;
  served: number;
  owed: number;
}

export interface FlightBoard {
  date: string;
  demo_day: boolean;
  flights: FlightSummary[];
}

/** What every failed command rejects with. */
export interface UiError {
  code: string;
  message: string;
}

export function asUiError(e: unknown): UiError {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string') {
    const message = 'message' in e && typeof e.message === 'string' ? e.message : '';
    return { code: e.code, message };
  }
  return { code: 'ipc', message: String(e) };
}

export const appInfo = (): Promise<AppInfo> => invoke<AppInfo>('app_info');

/** The kiosk's link to central (no passenger data). */
export interface SyncStatus {
  enrolled: boolean;
  online: boolean;
  central_url: string | null;
  backlog: number;
  last_push_at: string | null;
  last_pull_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  conflicts: number;
  /** Events central refused (no effect there), with the latest code and reason. */
  refused: number;
  last_refusal: string | null;
  cursor: number;
  /** Feed pages refused (not signed by the airline's root key, or not made for this device); nothing of them stored. */
  feed_refused: number;
  last_feed_refusal: string | null;
  /** Central's time on the newest page accepted. */
  feed_signed_at: string | null;
}

// Background polling is not activity: it must not keep an idle console open.
export const syncStatus = (): Promise<SyncStatus> => tauriInvoke<SyncStatus>('sync_status');
export const flightBoard = (): Promise<FlightBoard> => invoke<FlightBoard>('flight_board');
/** The board's own refresh: not activity, here or in Rust. */
export const flightBoardRefresh = (): Promise<FlightBoard> =>
  tauriInvoke<FlightBoard>('flight_board', { background: true });

export type CareKind = 'meal' | 'communication' | 'hotel' | 'transport';

export interface KioskEntitlement {
  kind: CareKind;
  ordinal: number;
  due: boolean;
  from_local: string;
  from_day_offset: number;
  source: string;
  citation: string;
  citation_zh: string;
  passenger_pays: boolean;
  printable: boolean;
  issued_serial: string | null;
  issued_elsewhere: boolean;
  /** Issued by an agent at a gate console (not another kiosk). */
  issued_at_gate: boolean;
}

/** Someone else on the booking the person at the kiosk may act for. */
export interface KioskMember {
  passenger_id: string;
  surname: string;
  given_names: string;
  native_name: string | null;
  minor: boolean;
}

/** Why a regime covers the flight. */
export interface RegimeReason {
  regime: string;
  en: string;
  zh: string;
}

/** One regime's written notice of how to claim (EU261 Art 14(2) and the like). */
export interface ClaimNotice {
  regime: string;
  title_en: string;
  title_zh: string;
  lines_en: string[];
  lines_zh: string[];
  body: { name: string; name_zh: string; contact: string };
  citation: string;
}

/** Compensation, the refund alternative and how to claim. */
export interface Rights {
  compensation: { regime: string; amount_minor: number; currency: string; citation: string }[];
  refund_option: boolean;
  refund_chosen_at: string | null;
  notices: ClaimNotice[];
}

export interface KioskView {
  member: boolean;
  passenger: {
    surname: string;
    given_names: string;
    native_name: string | null;
    seat: string | null;
    cabin: string;
    minor: boolean;
  };
  booking: KioskMember[];
  /** An unaccompanied minor: nothing is issued here, staff come. */
  needs_staff: boolean;
  flight: {
    flight: string;
    destination: string;
    destination_city: string;
    destination_city_zh: string | null;
    scheduled_local: string;
    expected_local: string | null;
    expected_day_offset: number;
    /** A cancellation's re-routing flight, when known. */
    reroute_flight: string | null;
    status: FlightStatus;
    cause: string | null;
    delay_minutes: number;
    gate: string | null;
    next_update_local: string | null;
  };
  entitlements: KioskEntitlement[];
  refund_option: boolean;
  rights: Rights | null;
  time_zone: string;
  cases: PassengerCase[];
}

export interface VoucherPrint {
  voucher_id: string;
  serial: string;
  reprint: boolean;
  printed: boolean;
  print_error: string | null;
  qr_svg: string;
}

export const kioskScan = (pass: string): Promise<KioskView> => invoke<KioskView>('kiosk_scan', { pass });
export const kioskLookup = (pnr: string, surname: string): Promise<KioskView> =>
  invoke<KioskView>('kiosk_lookup', { pnr, surname });
export const kioskView = (): Promise<KioskView> => invoke<KioskView>('kiosk_view');
export interface KioskHotel {
  id: string;
  name: string;
  name_zh: string | null;
  address: string;
  stars: number;
  rooms_left: number;
  transport: string;
}

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

export type Role = 'agent' | 'supervisor' | 'duty_manager';

export interface AgentInfo {
  code: string;
  name: string;
  role: Role;
  idle_seconds: number;
}

export interface DisruptionNow {
  kind: 'delay' | 'cancellation' | string;
  /** The category (`technical`). */
  cause: string;
  /** The IATA delay code entered, kept beside its category. */
  iata_code: number | null;
  /** Several causes with their minutes, as entered (empty for one). */
  causes: CauseEntry[];
  cause_en: string;
  cause_zh: string;
  expected_departure: string | null;
  /** A cancellation's re-routing flight, when known. */
  reroute_flight: string | null;
  delay_minutes: number;
  recorded_at: string;
  recorded_by: string;
}

/** A delay or cancellation as the agent enters it; times are the airport's local clock. */
export interface DisruptionEntry {
  kind: 'delay' | 'cancellation';
  cause: string;
  expected_departure: string | null;
  /** A delay in minutes after the scheduled departure; Rust converts it. */
  delay_minutes: number | null;
  /** Several causes with their minutes; `cause` is then ignored. */
  causes: CauseEntry[] | null;
  /** "YYYY-MM-DDTHH:MM" on the departure airport's clock; Rust converts it. */
  departure_local: string | null;
  reroute_flight: string | null;
}

/** One cause of a delay with its minutes (code 93 may name its inbound cause). */
export interface CauseEntry {
  cause: string;
  minutes: number;
  inbound_cause?: string;
}

export interface TimelineItem {
  kind: CareKind;
  ordinal: number;
  from: string;
  due: boolean;
  source: string;
  citation: string;
  citation_zh: string;
}

export interface HotelBlockRow {
  id: string;
  name: string;
  name_zh: string | null;
  stars: number;
  rooms_left: number;
  rooms_total: number;
  transport: string;
}

export interface CabinRow {
  cabin: string;
  seats: number;
  booked: number;
}

export interface FlightView {
  flight_id: string;
  flight: string;
  destination: string;
  destination_city: string;
  destination_city_zh: string | null;
  scheduled_departure: string;
  /** The re-routing form's first guess: the same time on the airport's clock the next day. */
  reroute_guess: string;
  gate: string | null;
  time_zone: string;
  disruption: DisruptionNow | null;
  updates: DisruptionNow[];
  passengers: number;
  served: number;
  timeline: TimelineItem[];
  next_update_due: string | null;
  update_overdue: boolean;
  announcement_en: string;
  announcement_zh: string;
  hotels: HotelBlockRow[];
  rooms_left: number;
  hotel_owed_unserved: number;
  hotel_warning: boolean;
  cabins: CabinRow[];
  staff_requests: { passenger_id: string; name: string; place: number; reason: string; requested_at: string }[];
  regimes: RegimeReason[];
  rights: Rights | null;
}

export interface PriorityRow {
  place: number;
  class: 'legal_priority' | 'infant_or_elderly' | 'top_customer' | 'standard';
  reason: string;
  reason_zh: string;
  reach_out_first: boolean;
  passenger_id: string;
  surname: string;
  given_names: string;
  native_name: string | null;
  pnr: string;
  ticket_number: string;
  ff_number: string | null;
  cabin: string;
  tier: string;
  stars: number;
  needs: string[];
  group_id: string | null;
  group_leader: boolean;
  vouchers: number;
}

export interface Money {
  amount_minor: number;
  currency: string;
}

export interface PassengerView {
  passenger_id: string;
  flight_id: string;
  surname: string;
  given_names: string;
  native_name: string | null;
  pnr: string;
  ticket_number: string;
  cabin: string;
  booking_class: string;
  seat: string | null;
  tier: string;
  ff_number: string | null;
  miles: number;
  stars: number;
  score: number;
  factors: { factor: string; points: number; max: number; why: string }[];
  lifetime_value: Money;
  needs: string[];
  group_id: string | null;
  group_size: number;
  booking: { passenger_id: string; surname: string; given_names: string; native_name: string | null; has_hotel: boolean }[];
  entitlements: EntitlementRow[];
  vouchers: VoucherRow[];
  authority_limit: Money | null;
  profile_key: string;
  recovery: CaseView[];
  repeat_failure: boolean;
  rights: Rights | null;
  /** This passenger's own re-routing, where an agent set one. */
  reroute: { reroute_flight: string | null; departure: string; arrival: string } | null;
}

export interface EntitlementRow extends TimelineItem {
  passenger_pays: boolean;
  /** The live voucher for it, from whichever device of the station. */
  held: { serial: string; device: string; remote: boolean } | null;
  /** Its voucher was voided and nothing replaces it yet. */
  replaceable: boolean;
}

/** A voucher of the station: this console's or another device's (remote). */
export interface VoucherRow {
  voucher_id: string;
  serial: string;
  kind: string;
  value_minor: number;
  currency: string;
  statutory: boolean;
  issued_at: string | null;
  actor: string;
  approver: string | null;
  reason: string;
  voided: boolean;
  void_reason: string | null;
  reprints: number;
  device: string;
  remote: boolean;
  entitlement_key: string;
  replaces: string | null;
}

/** A voucher's QR for the screen when its paper did not come out. */
export interface VoucherQr {
  voucher_id: string;
  serial: string;
  passenger: string;
  qr_svg: string;
}

export interface Issued {
  voucher_id: string;
  serial: string;
  entitlement_key: string;
  ledger_seq: number;
  reprint: boolean;
  provisional: boolean;
}

export interface BulkResult {
  summary: {
    issued: number;
    reprinted: number;
    not_due: number;
    elsewhere: number;
    skipped: number;
    vouchers: Issued[];
  };
  /** The batch's print job, followed with agentPrintJob. */
  print_job: string | null;
  /** The printer refused the job outright. */
  print_error: string | null;
  voucher_ids: string[];
  unprinted: VoucherQr[];
}

export interface PrintJobState {
  state: 'pending' | 'printed' | 'failed';
  print_error: string | null;
  unprinted: VoucherQr[];
}

export interface Upgrades {
  free: CabinRow[];
  candidates: {
    passenger_id: string;
    surname: string;
    given_names: string;
    native_name: string | null;
    from_cabin: string;
    to_cabin: string;
    stars: number;
    tier: string;
    upgraded: boolean;
  }[];
}

export interface AgentIssue {
  passenger_id: string;
  flight_id: string;
  kind: 'meal' | 'hotel' | 'transport' | 'upgrade' | 'goodwill';
  ordinal?: number;
  /** Goodwill: the amount as typed, in major units ("50", "1.5"); Rust parses it. */
  amount?: string;
  hotel_block_id?: string;
  reason?: string;
  approver?: { code: string; pin: string };
}

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
  entry: { reroute_flight: string | null; departure_local: string },
): Promise<PassengerView> => invoke<PassengerView>('agent_reroute', { passengerId, flightId, entry });
/** Whether a printed notice reached the printer, and if not, why. */
export interface NoticePrint {
  printed: boolean;
  error: string | null;
}
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
export const agentBulk = (flightId: string, kind: 'meal' | 'transport', passengerIds?: string[]): Promise<BulkResult> =>
  invoke<BulkResult>('agent_bulk', { flightId, kind, passengerIds: passengerIds ?? null });

/** Money in minor units, shown in its currency. */
export function formatMoney(locale: string, minor: number, currency: string): string {
  // ISO 4217's minor unit: 2 for EUR, 0 for JPY, 3 for KWD (as Rust's Money).
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency });
  return format.format(minor / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
}

export interface ConflictReport {
  entitlement_key: string;
  flight_id: string;
  passenger_id: string;
  winner_voucher_id: string;
  loser_voucher_id: string;
  detected_at: string;
  advice: string;
}

/** Background refresh: not activity. */
export const agentConflicts = (): Promise<ConflictReport[]> => tauriInvoke<ConflictReport[]>('sync_conflicts');

// Service recovery.

export type CaseCategory =
  | 'delay_handling'
  | 'staff_attitude'
  | 'baggage'
  | 'voucher_refused'
  | 'hotel_problem'
  | 'information'
  | 'other';
export const CASE_CATEGORIES: readonly CaseCategory[] = [
  'delay_handling',
  'staff_attitude',
  'baggage',
  'voucher_refused',
  'hotel_problem',
  'information',
  'other',
];
export type Urgency =
  | 'on_track'
  | 'due_soon'
  | 'urgent'
  | 'overdue'
  | 'answered'
  | 'resolved'
  | 'follow_up_due'
  | 'closed';

export interface AgentRef {
  code: string;
  name: string;
  role: 'agent' | 'supervisor' | 'duty_manager';
}

export type CaseActor = { type: 'kiosk'; device: string } | ({ type: 'agent' } & AgentRef);

export type Remedy =
  | { kind: 'apology' }
  | { kind: 'voucher'; value: Money }
  | { kind: 'miles'; miles: number }
  | { kind: 'upgrade' }
  | { kind: 'refund_referral' };

export type CaseChange =
  | { action: 'take' }
  | { action: 'transfer'; to: AgentRef; note: string }
  | { action: 'progress'; note: string; told_passenger: boolean }
  | { action: 'resolve'; remedies: Remedy[]; note: string; value: Money; approver: AgentRef | null }
  | { action: 'follow_up'; note: string };

export interface CaseView {
  opened: {
    case_id: string;
    station: string;
    flight_id: string;
    flight: string;
    flight_date: string;
    passenger_id: string;
    passenger_name: string;
    pnr: string;
    profile_key: string;
    category: CaseCategory;
    severity: 'low' | 'medium' | 'high';
    description: string;
    opened_by: CaseActor;
    at: string;
    first_answer_due: string;
    earlier_cases: number;
  };
  status: 'new' | 'open' | 'resolved' | 'closed';
  owner: AgentRef | null;
  first_answer_at: string | null;
  resolution: {
    at: string;
    by: AgentRef;
    remedies: Remedy[];
    value: Money;
    approver: AgentRef | null;
    note: string;
  } | null;
  followed_up_at: string | null;
  history: { update: { update_id: string; at: string; by: AgentRef; change: CaseChange }; refused: string | null }[];
  clock: {
    urgency: Urgency;
    first_answer_due: string;
    minutes_left: number | null;
    escalated_to: AgentRef['role'] | null;
    follow_up_due: string | null;
    answered_late: boolean;
  };
  repeat: boolean;
  /** What the passenger quotes: GC-XXXXXX. */
  reference: string;
  time_zone: string;
}

export interface EarlyWarning {
  from: string;
  to: string;
  threshold: number;
  total: number;
  by_category: { key: string; count: number }[];
  by_station: { key: string; count: number }[];
  by_flight: { key: string; count: number }[];
  by_day: { day: string; total: number }[];
  alerts: { day: string; dimension: 'category' | 'station' | 'flight'; key: string; count: number; threshold: number }[];
}

export interface AgentCases {
  cases: CaseView[];
  today: EarlyWarning;
  week: EarlyWarning;
  agents: AgentRef[];
  currency: string;
}

export interface KioskCase {
  reference: string;
  due: string;
  time_zone: string;
  repeat: boolean;
}

export interface CaseResolve {
  case_id: string;
  apology: boolean;
  /** A goodwill voucher as typed, in major units; Rust parses it. */
  voucher: string | null;
  miles: number | null;
  upgrade: boolean;
  refund_referral: boolean;
  note: string;
  approver?: { code: string; pin: string };
}

export const kioskComplaint = (category: CaseCategory, description: string): Promise<KioskCase> =>
  invoke<KioskCase>('kiosk_complaint', { category, description });
/** Polled by the cases screen: not activity. */
export const agentCases = (): Promise<AgentCases> => tauriInvoke<AgentCases>('agent_cases');
export const agentCaseOpen = (req: {
  passenger_id: string;
  flight_id: string;
  category: CaseCategory;
  severity: 'low' | 'medium' | 'high';
  description: string;
}): Promise<CaseView> => invoke<CaseView>('agent_case_open', { req });
export const agentCaseUpdate = (req: {
  case_id: string;
  action: 'take' | 'transfer' | 'progress' | 'follow_up';
  note?: string;
  told_passenger?: boolean;
  to?: string;
}): Promise<CaseView> => invoke<CaseView>('agent_case_update', { req });
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

/** A complaint as its passenger sees it at the kiosk. */
export interface PassengerCase {
  reference: string;
  category: CaseCategory;
  status: 'new' | 'open' | 'resolved' | 'closed';
  opened_at: string;
  first_answer_due: string;
  told: { at: string; note: string }[];
  given: Remedy[];
}

/** Central's count of every station's cases (the last seven days). */
export interface NetworkCases {
  at: string;
  stations: {
    station: string;
    opened: number;
    open: number;
    overdue: number;
    follow_up_due: number;
    answered_late: number;
    repeat: number;
  }[];
  overdue: { case_id: string; station: string; flight: string; category: CaseCategory; owner: string | null; first_answer_due: string }[];
  early_warning: EarlyWarning;
}

/** Background: not activity. Needs central; offline it rejects with `sync.offline`. */
export const agentNetworkCases = (): Promise<NetworkCases> => tauriInvoke<NetworkCases>('agent_network_cases');
