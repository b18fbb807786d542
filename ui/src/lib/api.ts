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
export const flightBoard = (): Promise<FlightBoard> => invoke<FlightBoard>('flight_board');
