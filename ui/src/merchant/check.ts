// The airline's own verifier, compiled from Rust to WebAssembly: a voucher
// is checked on the till against the lists it keeps, online or not.
import init, { open_lists, verify } from '../verifier/gatecare_verify_web.js';
import type { Enrolment, Lists } from './keep';

export interface Voucher {
  voucher_id: string;
  kind: string;
  value_minor: number;
  currency: string;
  surname: string;
  initial: string;
  flight: string;
  flight_date: string;
  /** Seconds since the epoch. */
  valid_from: number;
  valid_until: number;
  serial: string;
}

export interface Checked {
  valid: boolean;
  reason: string;
  voucher: Voucher | null;
  value_text: string | null;
}

let ready: Promise<unknown> | null = null;

export async function check(qr: string, lists: Lists | undefined, enrolment: Enrolment): Promise<Checked> {
  if (!lists) return { valid: false, reason: 'no_lists', voucher: null, value_text: null };
  ready ??= init();
  await ready;
  return JSON.parse(
    verify(qr.trim(), lists.trust_list, lists.void_list, enrolment.root.public_key, Date.now()),
  ) as Checked;
}

/** Whether lists central just sent may replace those kept: central's seal
 * over both opens under the pinned root, names this till, and is no older
 * than the lists held. Otherwise `reason` says why (`lists_altered`, …). */
export async function openLists(
  fresh: Lists,
  enrolment: Enrolment,
  held: Lists | undefined,
): Promise<{ kept: boolean; reason: string | null; at_ms: number | null }> {
  ready ??= init();
  await ready;
  const heldMs = held ? Date.parse(held.at) : 0;
  return JSON.parse(
    open_lists(
      fresh.seal ?? '',
      fresh.trust_list,
      fresh.void_list,
      enrolment.root.public_key,
      enrolment.device_id,
      Number.isFinite(heldMs) ? heldMs : 0,
    ),
  ) as { kept: boolean; reason: string | null; at_ms: number | null };
}
