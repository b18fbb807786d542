// What the page keeps on the till (IndexedDB): who it is enrolled as, with
// the root key it pinned then, and the airline's lists as central last sent
// them. The cookie with the till's token is the browser's, never ours.

export interface Enrolment {
  device_id: string;
  name: string;
  station: string;
  /** The station's IANA time zone: times on the page are written in it. */
  time_zone: string;
  root: { kid: string; public_key: string };
  /** How many vouchers the airline lets this till accept offline … */
  offline_limit: number;
  /** … and how many of those are left (central's count, at the last sync). */
  offline_left: number;
  /** The kinds of voucher this till takes; null: every kind. Central holds it too. */
  accepts?: string[] | null;
}

/** A voucher this till redeemed online: remembered for a week (no voucher
 * lives longer), so the till refuses it again when central is unreachable. */
export interface RedeemedHere {
  voucher_id: string;
  redeemed_ms: number;
}

/** A voucher accepted while central was unreachable, to send once it is back. */
export interface Queued {
  redemption_id: string;
  qr: string;
  voucher_id: string;
  serial: string;
  /** When the till accepted it (its clock), ms since the epoch. */
  accepted_ms: number;
}

export interface Lists {
  trust_list: string;
  void_list: string;
  /** When central made them (its clock), ISO 8601. */
  at: string;
  /** Central's seal over both lists for this till (hex COSE_Sign1): the
   * page keeps lists only when it opens (`openLists`). Absent on lists
   * kept before lists were sealed. */
  seal?: string;
  /** When this till received them (its clock), ms since the epoch. */
  received_ms: number;
}

const DB = 'gatecare-merchant';
const STORE = 'kept';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB'));
  });
}

async function run<T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = f(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result as T);
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB'));
    });
  } finally {
    db.close();
  }
}

type Key = 'enrolment' | 'lists' | 'queue' | 'redeemed';

export const load = <T>(key: Key): Promise<T | undefined> =>
  run<T | undefined>('readonly', (s) => s.get(key));
export const save = (key: Key, value: Enrolment | Lists | Queued[] | RedeemedHere[]): Promise<void> =>
  run<void>('readwrite', (s) => s.put(value, key)).then(() => undefined);
export const forget = (): Promise<void> => run<void>('readwrite', (s) => s.clear()).then(() => undefined);
