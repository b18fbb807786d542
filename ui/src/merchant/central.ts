// Central's merchant API, same origin: the till's cookie goes with each
// call by itself; the page never sees its token.
import type { Enrolment, Lists } from './keep';

export class Refused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Central did not answer (offline, or central is down). */
export class Unreachable extends Error {}

async function call<T>(path: string, body?: unknown): Promise<T> {
  let resp: Response;
  try {
    resp = await fetch(`api/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      signal: AbortSignal.timeout(8000),
    });
  } catch (e) {
    throw new Unreachable(String(e));
  }
  if (resp.status === 204) return undefined as T;
  const text = await resp.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw resp.ok ? new Refused('malformed', text) : new Unreachable(`HTTP ${resp.status}`);
  }
  if (!resp.ok) {
    const e = json as { code?: string; message?: string };
    throw new Refused(e.code ?? 'unknown', e.message ?? '');
  }
  return json as T;
}

export interface Redeemed {
  redeemed: boolean;
  reason: string;
  voucher_id: string | null;
  redeemed_at: string | null;
  redemption_id: string;
  redeemed_by?: string;
  double_spend?: boolean;
}

export interface DayList {
  day: string;
  time_zone: string;
  lines: Array<{
    redemption_id: string;
    local_time: string;
    kind: string | null;
    value_text: string | null;
    flight: string | null;
    serial: string | null;
    offline: boolean;
  }>;
  totals: Array<{ currency: string; count: number; value_text: string }>;
  conflicts: Array<{
    voucher_id: string;
    serial: string | null;
    first_merchant: string;
    first_time: string;
    merchant: string;
    accepted_time: string;
  }>;
}

export const dayList = (day?: string) =>
  call<DayList>(day ? `redemptions?day=${encodeURIComponent(day)}` : 'redemptions');
export const status = (qr: string) =>
  call<{ redeemed_at: string | null; redeemed_by: string | null }>('status', { qr });
export const enrol = (code: string, name: string) => call<Enrolment>('enrol', { code, name });
export const me = () => call<Enrolment>('me');
export const fetchLists = () =>
  call<Omit<Lists, 'received_ms'>>('lists').then((l) => ({ ...l, received_ms: Date.now() }));
export const redeem = (redemption_id: string, qr: string, offline_at?: string) =>
  call<Redeemed>('redeem', { redemption_id, qr, offline_at });
export const signOut = () => call<void>('sign-out', {});
