// What every case card needs to know about the console: who is signed in,
// the station's agents (for hand-offs) and the recovery currency. Filled by
// the console when an agent signs in and whenever the case list refreshes.
import { formatMoney, type AgentCases, type AgentRef, type Remedy } from './api';
import type { MessageKey } from './i18n';
import { t, ui } from './locale.svelte';

export const caseContext = $state({ me: '', currency: 'HKD', agents: [] as AgentRef[] });

/** Keeps what the cards need from a fresh case list. */
export function rememberCases(d: AgentCases): void {
  caseContext.agents = d.agents;
  caseContext.currency = d.currency;
}

/** What a resolution gave, as the passenger and the agent read it; amounts
 * with the exponent Rust sent for the case's currency. */
export function describeRemedies(remedies: Remedy[], exponent: number): string {
  return remedies
    .map((r) => {
      switch (r.kind) {
        case 'voucher':
          return formatMoney(ui.locale, r.value.amount_minor, r.value.currency, exponent);
        case 'miles':
          return `${r.miles.toLocaleString(ui.locale)} ${t('case.remedy.miles')}`;
        default:
          return t(`case.remedy.${r.kind}` as MessageKey);
      }
    })
    .join(ui.locale === 'zh-CN' ? '、' : ', ');
}
