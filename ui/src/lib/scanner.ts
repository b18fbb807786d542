// Keyboard-wedge scanners "type" the barcode very fast and end with Enter.
// Telling them from a person: every key within `maxGapMs` of the previous,
// and at least `minLength` characters (a boarding pass has 60 or more).

export class WedgeDetector {
  private buffer = '';
  private last = -Infinity;

  constructor(
    private readonly maxGapMs = 50,
    private readonly minLength = 40,
  ) {}

  /** Feeds one key; returns the scanned text when a scan ends. */
  feed(key: string, timeMs: number): string | null {
    if (timeMs - this.last > this.maxGapMs) this.buffer = '';
    this.last = timeMs;
    if (key === 'Enter') {
      const text = this.buffer;
      this.buffer = '';
      return text.length >= this.minLength ? text : null;
    }
    if (key.length === 1) this.buffer += key;
    return null;
  }
}
