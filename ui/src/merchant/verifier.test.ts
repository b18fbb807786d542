// The merchant page's verifier is the airline's Rust verifier compiled to
// WebAssembly (`cargo xtask` builds ../verifier). Held here to the same
// shared vectors as the native one (tests/it/vectors.rs).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describe as describeVoucher, initSync, verify } from '../verifier/gatecare_verify_web.js';

interface Vector {
  name: string;
  qr: string;
  trust: string;
  now_ms: number;
  expect: string;
}
interface Vectors {
  pinned_root: string;
  lists: Record<string, string>;
  voids: string;
  vectors: Vector[];
}

const vectors = JSON.parse(
  readFileSync(new URL('../../../tests/fixtures/voucher-vectors.json', import.meta.url), 'utf8'),
) as Vectors;
initSync({ module: readFileSync(new URL('../verifier/gatecare_verify_web_bg.wasm', import.meta.url)) });

function check(v: Vector) {
  const list = vectors.lists[v.trust] ?? '';
  return JSON.parse(verify(v.qr, list, vectors.voids, vectors.pinned_root, v.now_ms)) as {
    valid: boolean;
    reason: string;
    value_text: string | null;
    voucher: { surname: string; flight: string } | null;
  };
}

describe('the WebAssembly verifier', () => {
  it('covers the shared vectors', () => {
    expect(vectors.vectors.length).toBeGreaterThanOrEqual(10);
  });
  for (const v of vectors.vectors) {
    it(`gives the airline's answer: ${v.name}`, () => {
      const r = check(v);
      expect(r.reason).toBe(v.expect);
      expect(r.valid).toBe(v.expect === 'valid');
    });
  }
  it('writes the value as a person reads it, for any currency', () => {
    const byName = (name: string) => vectors.vectors.find((v) => v.name === name)!;
    expect(check(byName('valid meal')).value_text).toBe('HKD 120.00');
    expect(check(byName('yen have no minor unit')).value_text).toBe('JPY 1500');
    expect(check(byName('valid meal')).voucher?.surname).toBe('ZHANG');
  });
  it('refuses what is not a voucher without throwing', () => {
    const r = JSON.parse(verify('<script>alert(1)</script>', '', '', '', Number.NaN));
    expect(r.valid).toBe(false);
  });
});

describe("the passenger's copy", () => {
  it('reads a voucher and draws its QR for the merchant', () => {
    const v = vectors.vectors.find((x) => x.name === 'valid meal')!;
    const d = JSON.parse(describeVoucher(v.qr)) as {
      voucher: { kind: string } | null;
      value_text: string | null;
      size: number;
      modules: string;
      error: string | null;
    };
    expect(d.error).toBeNull();
    expect(d.voucher?.kind).toBe('meal');
    expect(d.value_text).toBe('HKD 120.00');
    expect(d.size).toBeGreaterThanOrEqual(21);
    expect(d.modules).toHaveLength(d.size * d.size);
    expect(d.modules).toMatch(/^[01]+$/);
  });
  it('says what is wrong with text that is not a voucher', () => {
    for (const text of ['', 'hello', 'GC1:%%%', '<script>alert(1)</script>']) {
      const d = JSON.parse(describeVoucher(text)) as { voucher: unknown; error: string | null };
      expect(d.voucher).toBeNull();
      expect(d.error).not.toBeNull();
    }
  });
});
