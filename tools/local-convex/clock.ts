/**
 * The backend's clock, always in whole milliseconds like Date.now. Convex functions read `Date.now()`, so this shifts
 * Date.now for the whole process: tests jump past a timeout and seeding
 * writes history in the past without touching the functions. Scheduled
 * functions follow it too (backendTimers.ts): moving it forward runs those
 * that came due.
 */
const realNow = Date.now.bind(Date);
let offsetMs = 0;
const listeners = new Set<() => void>();

Date.now = () => realNow() + offsetMs;

function moved(): void {
  for (const listener of listeners) listener();
}

export const backendClock = {
  now: (): number => Date.now(),
  /** Moves the clock forward (or back, with a negative amount). */
  advance(ms: number): void {
    offsetMs += Math.round(ms);
    moved();
  },
  /** Sets the clock to `epochMs`; time keeps running from there. */
  setTime(epochMs: number): void {
    offsetMs = Math.round(epochMs) - realNow();
    moved();
  },
  /** Back to the machine's time. */
  reset(): void {
    offsetMs = 0;
    moved();
  },
  /** Calls `listener` after every jump of the clock (not as time merely passes); returns a function that stops it. */
  onJump(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
