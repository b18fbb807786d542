import { describe, expect, it } from 'vitest';
import { WedgeDetector } from './scanner';

const PASS = 'M1DESMARAIS/LUC       EABC123 YULFRAAC 0834 326J001A0025 100';

function type(d: WedgeDetector, text: string, start: number, gap: number): string | null {
  let t = start;
  let out: string | null = null;
  for (const ch of text) {
    out = d.feed(ch, (t += gap)) ?? out;
  }
  return d.feed('Enter', t + gap) ?? out;
}

describe('WedgeDetector', () => {
  it('recognises a fast scan ending in Enter', () => {
    expect(type(new WedgeDetector(), PASS, 0, 5)).toBe(PASS);
  });

  it('ignores a person typing slowly', () => {
    expect(type(new WedgeDetector(), PASS, 0, 200)).toBeNull();
  });

  it('ignores short bursts and starts afresh after a pause', () => {
    const d = new WedgeDetector();
    expect(type(d, 'ABC', 0, 5)).toBeNull();
    expect(type(d, PASS, 10_000, 5)).toBe(PASS);
  });

  it('keeps spaces, which matter in a pass', () => {
    const d = new WedgeDetector();
    expect(type(d, PASS + '   ', 0, 1)).toBe(PASS + '   ');
  });
});
