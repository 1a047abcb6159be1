import { afterAll, afterEach, beforeAll, beforeEach, vi } from "vitest";

/** A fixed start of time for tests: 2024-01-01T00:00:00Z. */
export const T0 = Date.UTC(2024, 0, 1);
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
/** The start of the minute holding `time`. */
export const minuteOf = (time: number) => time - (time % MINUTE);
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/**
 * Fake timers set to `start`, before each test or once for the file. Date.now()
 * inside Convex functions follows them, and scheduled functions wait for them.
 */
export function useFakeClock(start: number, scope: "each" | "all" = "each"): void {
  const [before, after] = scope === "each" ? [beforeEach, afterEach] : [beforeAll, afterAll];
  before(() => {
    vi.useFakeTimers();
    vi.setSystemTime(start);
  });
  after(() => vi.useRealTimers());
}

/** Moves the fake clock forward to `time`, firing the timers due on the way (what a deployment's scheduler would run). */
export function advanceTo(time: number): void {
  vi.advanceTimersByTime(Math.max(0, time - Date.now()));
}
