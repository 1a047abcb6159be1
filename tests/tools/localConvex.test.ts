import { setTimeout as delay } from "node:timers/promises";
import { makeFunctionReference } from "convex/server";
import { afterEach, describe, expect, it } from "vitest";
import { SESSION_TIMEOUT_MS } from "../../src/shared/config";
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

/** How many scheduled functions there are per component, name and state, e.g. `{ "liveStats/batchWorker:loop:loop": { success: 6 } }`. */
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

it("takes /api/query's args as ConvexHttpClient sends them (one object in an array) and as the README's curl does (the object)", async () => {
  server = await startLocalConvex({ runCronsOnSchedule: false });
  const query = async (args: unknown) =>
    await (
      await fetch(`${server!.url}/api/query`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ path: "stats:getActiveVisitors", format: "json", args }),
      })
    ).json();
  expect(await query([{}])).toMatchObject({ status: "success", value: { activeVisitors: 0 } });
  expect(await query({})).toMatchObject({ status: "success", value: { activeVisitors: 0 } });
  expect(await query([{}, {}])).toMatchObject({ code: "BadJsonBody" });
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
  // An open dashboard watches, so the worker keeps its watched cadence (the lease lapses during the jump below).
  await deployment.mutation("stats:watchDashboard", {});
  await deployment.mutation("stats:recordPageView", { path: "/about", pageType: "page", sessionId });
  await deployment.mutation("stats:heartbeat", { sessionId, currentPath: "/about" });
  // The worker's first batch, a debounce later on the clock.
  await expect.poll(figures, { timeout: 3_000 }).toEqual({ views: 1, active: 1 });

  // The worker is cooling down: its next poll is due in half a second and its monitor a minute after.
  // Past both, the poll runs at once and drops the session past the timeout; the monitor, behind it, finds it alive.
  backendClock.advance(SESSION_TIMEOUT_MS + 3 * MINUTE);
  await expect.poll(figures, { timeout: 1_000 }).toEqual({ views: 1, active: 0 });
  const started = performance.now();
  await deployment.settled();
  expect(performance.now() - started).toBeLessThan(5_000);

  const runs = tally(await deployment.scheduledJobs());
  // The one pending: the worker's next look a cadence after its last batch (unwatched now: the lease lapsed in the jump).
  expect(runs["liveStats/batchWorker:loop:loop"]).toEqual({ success: expect.any(Number), pending: 1 });
  // Two batches, their debounces and a cooldown of polls: a handful of runs, not a loop spinning on the jump.
  expect(runs["liveStats/batchWorker:loop:loop"].success).toBeLessThanOrEqual(12);
  expect(runs["liveStats/batchWorker:monitor:monitor"]?.success ?? 0).toBe(0);
  expect(deploymentLog.filter((line) => /ERROR|WARN/.test(line))).toEqual([]);

  // Idle now: nothing more runs, however long we wait.
  const settledRuns = (await deployment.scheduledJobs()).length;
  await delay(1_500);
  expect((await deployment.scheduledJobs()).length).toBe(settledRuns);
});

it("runs each site's own cron jobs (src/component/crons.ts) inside that site's component: the app has none", async () => {
  server = await startLocalConvex({ runCronsOnSchedule: false });
  const { deployment } = server;
  const lastSeen = backendClock.now() - SESSION_TIMEOUT_MS - MINUTE;
  // Stale sessions: one in the blog's component, two in the docs site's.
  for (const [site, count] of [["liveStats", 1], ["docsStats", 2]] as const) {
    await deployment.runInComponent(site, async (ctx) => {
      for (let i = 0; i < count; i++) await ctx.db.insert("activeSessions", { sessionId: crypto.randomUUID(), currentPath: "/a", lastSeen });
    });
  }

  const outcomes = await deployment.runCrons();

  // The blog's cleanup first, then the docs', each deleting its own site's rows only.
  expect(outcomes).toEqual([
    expect.objectContaining({ success: true, value: { deleted: 1, pruned: 0, more: false } }),
    expect.objectContaining({ success: true, value: { deleted: 2, pruned: 0, more: false } }),
  ]);
  for (const site of ["liveStats", "docsStats"]) {
    let left: { sessions: number; cleanupRuns: number } | undefined;
    await deployment.runInComponent(site, async (ctx) => {
      left = { sessions: (await ctx.db.query("activeSessions").collect()).length, cleanupRuns: (await ctx.db.query("cleanupStatus").collect()).length };
    });
    expect({ site, ...left }).toEqual({ site, sessions: 0, cleanupRuns: 1 });
  }
});

describe("the site port: the app's HTTP actions (convex/http.ts), as at <deployment>.convex.site", () => {
  // A browser's: the endpoint takes Node's own ("node") for a bot's and records nothing.
  const userAgent = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
  const postEvent = (event: object) =>
    fetch(`${server!.siteUrl}/api/event`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "User-Agent": userAgent },
      body: JSON.stringify(event),
    });
  const heartbeat = (sessionId: string) => ({ type: "heartbeat", sessionId, path: "/about" });

  it("is another origin than the API, adds no CORS of its own, and answers Convex's 404 where the app routes nothing", async () => {
    server = await startLocalConvex({ runCronsOnSchedule: false });
    expect(new URL(server.siteUrl).origin).not.toBe(new URL(server.url).origin);

    for (const [method, path] of [["GET", "/nowhere?x=1"], ["GET", "/api/event"], ["DELETE", "/api/event"]]) {
      const response = await fetch(`${server.siteUrl}${path}`, { method, headers: { Origin: "https://blog.example" } });
      expect(response.status).toBe(404);
      expect(await response.text()).toBe(`No HttpAction routed for ${new URL(path, server.siteUrl).pathname}`);
      expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
    }
    // The API port keeps its blanket CORS, for the app's own client.
    expect((await fetch(`${server.url}/nowhere`)).headers.get("Access-Control-Allow-Origin")).toBe("*");
  });

  it("has subscribers hear what an HTTP action committed by the time its response arrives", async () => {
    server = await startLocalConvex({ runCronsOnSchedule: false });
    let trackingSince: number | null = null;
    server.deployment.subscribe({
      async publish(_ts, runQuery) {
        const outcome = await runQuery("stats:getPageViewStats", {});
        if (outcome.success) trackingSince = (outcome.value as { trackingSince: number | null }).trackingSince;
      },
    });

    const response = await postEvent({ type: "pageview", sessionId: crypto.randomUUID(), path: "/hello" });

    expect(response.status).toBe(202);
    expect(trackingSince).not.toBeNull();
  });

  it("answers 500 for an HTTP action's uncaught error, logs it to the deployment's log, and keeps serving", async () => {
    const deploymentLog: string[] = [];
    server = await startLocalConvex({ runCronsOnSchedule: false, log: (line) => deploymentLog.push(line) });
    const sessionId = crypto.randomUUID();
    // Two live rows for one session, which the hot path reads with unique(): a broken table makes it throw.
    await server.deployment.runInComponent("liveStats", async (ctx) => {
      for (const currentPath of ["/a", "/b"]) await ctx.db.insert("activeSessions", { sessionId, currentPath, lastSeen: Date.now() });
    });

    const response = await postEvent(heartbeat(sessionId));

    expect(response.status).toBe(500);
    expect(await response.text()).toMatch(/^\[Request ID: [0-9a-f]+\] Server Error\nUncaught Error: .*unique\(\)/);
    expect(deploymentLog).toEqual([expect.stringMatching(/^POST \/api\/event failed: \[Request ID: [0-9a-f]+\] Server Error\nUncaught Error/)]);
    expect((await postEvent(heartbeat(crypto.randomUUID()))).status).toBe(202);
  });
});
