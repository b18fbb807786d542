import type { Amount } from './ipc';

/** Money in minor units, shown in its currency with the exponent Rust's
 * table gave it (JPY 0, KWD 3): the screen keeps no table of its own. */
export function formatMoney(locale: string, minor: number, currency: string, exponent: number): string {
  const format = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  });
  return format.format(minor / 10 ** exponent);
}

/** An amount as Rust sends it to a screen. */
export const formatAmount = (locale: string, a: Amount): string =>
  formatMoney(locale, a.amount_minor, a.currency, a.exponent);
