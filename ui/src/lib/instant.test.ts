import { describe, expect, it } from 'vitest';
import { formatInstant } from './instant';

// 2026-12-07 05:22 UTC: 13:22 in Hong Kong.
const at = Date.UTC(2026, 11, 7, 5, 22);

describe('formatInstant', () => {
  it('puts the zone after the time in Chinese', () => {
    expect(formatInstant('zh-CN', at, 'Asia/Hong_Kong')).toBe('12月7日 13:22 GMT+8');
  });

  it('reads the same instant in English with its zone', () => {
    expect(formatInstant('en', at, 'Asia/Hong_Kong')).toBe('Dec 7, 13:22 GMT+8');
  });

  it('says the date of the zone, not of UTC, past local midnight', () => {
    // 16:30 UTC on 6 December is 00:30 on 7 December in Hong Kong.
    expect(formatInstant('zh-CN', Date.UTC(2026, 11, 6, 16, 30), 'Asia/Hong_Kong')).toBe('12月7日 00:30 GMT+8');
  });
});
