import { setTimeout as delay } from "node:timers/promises";
import { makeFunctionReference } from "convex/server";
import { afterEach, expect, it } from "vitest";
import { SESSION_TIMEOUT_MS } from "../../convex/model/config";
import { backendClock } from "../../tools/local-convex/clock";
import type { ScheduledJob } from "../../tools/local-convex/deployment";
import { startLocalConvex, type LocalConvex } from "../../tools/local-convex/server";

// The emulator in plain Node, no browser: what `npm run demo` relies on to keep running.

const MINUTE = 60_000;
const cleanup = makeFunctionReference<"mutation">("stats:cleanupStaleSessions");

let server: LocalConvex | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
  backendClock.reset();
});

/** How many scheduled functions there are per component, name and state, e.g. `{ "batchWorker:loop:loop": { success: 6 } }`. */
function tally(jobs: ScheduledJob[]): Record<string, Record<string, number>> {
  const counts: Record<string, Record<string, number>> = {};
  for (const { componentPath, name, state } of jobs) {
    const byState = (counts[`${componentPath}:${name}`] ??= {});
    byState[state] = (byState[state] ?? 0) + 1;
  }
  return counts;
}

it("keeps serving after a scheduled function logs an error and throws, its log callback printing with console.log", async () => {
  const deploymentLog: string[] = [];
  // As the demo's: the deployment's log goes to the console.
  const log = (line: string) => {
    deploymentLog.push(line);
    console.log(`[convex] ${line}`);
  };
  server = await startLocalConvex({ runCronsOnSchedule: false, log });

  // An internal mutation scheduled with arguments its validator rejects: when it runs, it throws
  // and the scheduler logs the error, after the call that scheduled it has replied.
  await server.deployment.runAsCall(async (ctx) => {
    await ctx.scheduler.runAfter(0, cleanup, { unexpected: true });
  });

  await expect.poll(() => deploymentLog).toEqual([expect.stringMatching(/^\[ERROR\] 'Error when running scheduled function stats:cleanupStaleSessions'/)]);
  await server.deployment.settled();
  const response = await fetch(`${server.url}/api/query`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ path: "stats:getActiveVisitors", format: "convex_encoded_json", args: [{}] }),
  });
  expect(await response.json()).toMatchObject({ status: "success", value: { activeVisitors: 0 } });
});

it("runs a scheduled function when the backend clock reaches its time: at once when a test moves the clock past it", async () => {
  server = await startLocalConvex({ runCronsOnSchedule: false });
  await server.deployment.runAsCall(async (ctx) => {
    await ctx.scheduler.runAfter(10 * MINUTE, cleanup, {});
  });
  await delay(200);
  expect(tally(await server.deployment.scheduledJobs())).toEqual({ ":stats:cleanupStaleSessions": { pending: 1 } });

  backendClock.advance(10 * MINUTE);
  await expect.poll(async () => tally(await server!.deployment.scheduledJobs())).toEqual({ ":stats:cleanupStaleSessions": { success: 1 } });
});

it("runs the stats worker's due loop and monitor in order after a jump of minutes: no restart, no burst, then idle", async () => {
  const deploymentLog: string[] = [];
  server = await startLocalConvex({ runCronsOnSchedule: false, log: (line) => deploymentLog.push(line) });
  const { deployment } = server;
  const figures = async () => {
    const [views, active] = [await deployment.query("stats:getPageViewStats", {}), await deployment.query("stats:getActiveVisitors", {})];
    if (!views.success || !active.success) throw new Error("stats query failed");
    return { views: (views.value as { totalPageViews: number }).totalPageViews, active: (active.value as { activeVisitors: number }).activeVisitors };
  };
  const sessionId = crypto.randomUUID();
  await deployment.mutation("stats:recordPageView", { path: "/about", pageType: "page", sessionId });
  await deployment.mutation("stats:heartbeat", { sessionId, currentPath: "/about" });
  // The worker's first batch, half a second later on the clock.
  await expect.poll(figures, { timeout: 3_000 }).toEqual({ views: 1, active: 1 });

  // The worker is cooling down: its next poll is due in half a second and its monitor a minute after.
  // Past both, the poll runs at once and drops the session past the timeout; the monitor, behind it, finds it alive.
  backendClock.advance(SESSION_TIMEOUT_MS + 3 * MINUTE);
  await expect.poll(figures, { timeout: 1_000 }).toEqual({ views: 1, active: 0 });
  const started = performance.now();
  await deployment.settled();
  expect(performance.now() - started).toBeLessThan(5_000);

  const runs = tally(await deployment.scheduledJobs());
  expect(runs["batchWorker:loop:loop"]).toEqual({ success: expect.any(Number) });
  // Two batches, their debounces and a cooldown of polls: a handful of runs, not a loop spinning on the jump.
  expect(runs["batchWorker:loop:loop"].success).toBeLessThanOrEqual(12);
  expect(runs["batchWorker:monitor:monitor"]?.success ?? 0).toBe(0);
  expect(deploymentLog.filter((line) => /ERROR|WARN/.test(line))).toEqual([]);

  // Idle now: nothing more runs, however long we wait.
  const settledRuns = (await deployment.scheduledJobs()).length;
  await delay(1_500);
  expect((await deployment.scheduledJobs()).length).toBe(settledRuns);
});
