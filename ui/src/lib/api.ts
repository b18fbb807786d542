// The only door to Rust. The webview has no network access of its own: every
// request goes through these commands, which the capability file allows.
import { invoke } from '@tauri-apps/api/core';

export type Mode = 'agent' | 'kiosk';
export type FlightStatus = 'on_time' | 'delayed' | 'cancelled';

export interface AppInfo {
  version: string;
  mode: Mode;
  station: string;
  station_name: string;
  station_city: string;
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
  scheduled_departure: string;
  expected_departure: string | null;
  scheduled_local: string;
  expected_local: string | null;
  expected_day_offset: number;
  gate: string | null;
  status: FlightStatus;
  delay_minutes: number;
  cause: string | null;
  passengers: number;
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
  cursor: number;
}

export const syncStatus = (): Promise<SyncStatus> => invoke<SyncStatus>('sync_status');
export const flightBoard = (): Promise<FlightBoard> => invoke<FlightBoard>('flight_board');

export type CareKind = 'meal' | 'communication' | 'hotel' | 'transport';

export interface KioskEntitlement {
  kind: CareKind;
  ordinal: number;
  due: boolean;
  from_local: string;
  from_day_offset: number;
  source: string;
  citation: string;
  passenger_pays: boolean;
  printable: boolean;
  issued_serial: string | null;
}

export interface KioskView {
  member: boolean;
  passenger: { surname: string; given_names: string; native_name: string | null; seat: string | null; cabin: string };
  flight: {
    flight: string;
    destination: string;
    destination_city: string;
    scheduled_local: string;
    expected_local: string | null;
    expected_day_offset: number;
    status: FlightStatus;
    cause: string | null;
    delay_minutes: number;
    gate: string | null;
    next_update_local: string | null;
  };
  entitlements: KioskEntitlement[];
  refund_option: boolean;
  time_zone: string;
}

export interface KioskPrint {
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

export const kioskPrint = (kind: CareKind, ordinal: number, hotel?: string): Promise<KioskPrint> =>
  invoke<KioskPrint>('kiosk_print', { kind, ordinal, hotel: hotel ?? null });
export const kioskHotels = (): Promise<KioskHotel[]> => invoke<KioskHotel[]>('kiosk_hotels');
export const kioskEnd = (): Promise<void> => invoke<void>('kiosk_end');
export const kioskFeedback = (score: number): Promise<void> => invoke<void>('kiosk_feedback', { score });
export const kioskEnrol = (mobile: string, consent: boolean): Promise<string> =>
  invoke<string>('kiosk_enrol', { mobile, consent });
