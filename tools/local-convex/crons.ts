import type { CronJob, Crons } from "convex/server";
import type { JSONValue } from "convex/values";

/**
 * A cron job as the emulator runs it: the component whose `crons.ts` defines it ("" for the app's
 * convex/crons.ts), where its function is resolved, the function's path, its arguments and its period.
 */
export type IntervalCron = { id: string; componentPath: string; udfPath: string; args: JSONValue; everyMs: number };

function periodMs(id: string, schedule: CronJob["schedule"]): number {
  if (schedule.type !== "interval") throw new Error(`cron "${id}": only interval schedules are emulated, not "${schedule.type}"`);
  if ("seconds" in schedule) return schedule.seconds * 1000;
  if ("minutes" in schedule) return schedule.minutes * 60_000;
  return schedule.hours * 3_600_000;
}

/** The jobs of a `crons.ts` default export (the app's, or a component's at `componentPath`), with their periods read from their own definitions. */
export function intervalCrons(crons: Crons | undefined, componentPath = ""): IntervalCron[] {
  return Object.entries(crons?.crons ?? {}).map(([id, job]) => ({
    id,
    componentPath,
    udfPath: job.name,
    args: (job.args as JSONValue[])[0],
    everyMs: periodMs(id, job.schedule),
  }));
}
