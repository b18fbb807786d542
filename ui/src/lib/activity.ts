// When the screen was last used: touches, keys, and commands to Rust (a
// long bulk issue is activity too). The console locks itself after idle.
let last = Date.now();

export function markActive(): void {
  last = Date.now();
}

export function idleMillis(): number {
  return Date.now() - last;
}
