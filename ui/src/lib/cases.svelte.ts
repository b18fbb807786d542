// What every case card needs to know about the console: who is signed in,
// the station's agents (for hand-offs) and the recovery currency. Filled by
// the console when an agent signs in and whenever the case list refreshes.
import type { AgentRef } from './api';

export const caseContext = $state({ me: '', currency: 'HKD', agents: [] as AgentRef[] });
