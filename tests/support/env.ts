import { afterAll, beforeAll } from "vitest";
import { MAX_DETAIL_DAYS } from "../../src/shared/config";

type Vars = Record<string, string | undefined>;

/** Sets environment variables (undefined: unset), returning what they were, to restore with the same function. */
export function setEnv(vars: Vars): Vars {
  const previous: Vars = {};
  for (const [name, value] of Object.entries(vars)) {
    previous[name] = process.env[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return previous;
}

/** The component's settings as a deployment's environment holds them, for the whole test file. */
export function useEnv(vars: Vars): void {
  let previous: Vars = {};
  beforeAll(() => {
    previous = setEnv(vars);
  });
  afterAll(() => {
    setEnv(previous);
  });
}

/**
 * Every detail kept for as long as a range may reach: for tests of other behaviour over fake weeks of data, whose
 * whole-minute ranges must stay answerable (the rollup itself: tests/convex/stats.rollup.test.ts).
 */
export const KEEP_ALL_DETAIL: Vars = { STATS_MINUTE_DETAIL_DAYS: String(MAX_DETAIL_DAYS), STATS_HOUR_DETAIL_DAYS: String(MAX_DETAIL_DAYS) };
