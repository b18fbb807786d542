// The merchant page's pieces that need no browser: its words in both
// languages, and the ids it makes for redemptions.
import { describe, expect, it } from 'vitest';
import { uuidv7 } from './ids';
import { missingPassWords } from '../pass/words';
import { missingWords, reason } from './words';

describe('the merchant page', () => {
  it('has every word in Chinese and English', () => {
    expect(missingWords()).toEqual([]);
    expect(missingPassWords()).toEqual([]);
  });
  it('says in words every refusal central gives at set-up', () => {
    for (const code of ['enrolment_code_invalid', 'bad_name', 'name_taken', 'rate_limited']) {
      expect(reason(code)).not.toContain(code);
    }
  });
  it('makes time-ordered UUIDv7 redemption ids', () => {
    const a = uuidv7(1_795_000_000_000);
    const b = uuidv7(1_795_000_000_001);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a < b).toBe(true);
    expect(parseInt(a.slice(0, 8) + a.slice(9, 13), 16)).toBe(1_795_000_000_000);
    expect(uuidv7()).not.toBe(uuidv7());
  });
});
