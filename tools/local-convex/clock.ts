/**
 * The backend's clock, always in whole milliseconds like Date.now. Convex functions read `Date.now()`, so this shifts
 * Date.now for the whole process: tests jump past a timeout and seeding
 * writes history in the past without touching the functions.
 */
const realNow = Date.now.bind(Date);
let offsetMs = 0;

Date.now = () => realNow() + offsetMs;

export const backendClock = {
  now: (): number => Date.now(),
  /** Moves the clock forward (or back, with a negative amount). */
  advance(ms: number): void {
    offsetMs += Math.round(ms);
  },
  /** Sets the clock to `epochMs`; time keeps running from there. */
  setTime(epochMs: number): void {
    offsetMs = Math.round(epochMs) - realNow();
  },
  /** Back to the machine's time. */
  reset(): void {
    offsetMs = 0;
  },
};
