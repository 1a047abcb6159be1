import { setTimeout as delay } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConvexHttpClient, type ConvexClient } from "convex/browser";
import { anyApi } from "convex/server";
import { ConvexError } from "convex/values";
import { api } from "../../convex/_generated/api";
import crons from "../../src/component/crons";
import { CLEANUP_INTERVAL_SECONDS, SESSION_TIMEOUT_MS } from "../../src/shared/config";
import { backendClock } from "../../tools/local-convex/clock";
import { intervalCrons } from "../../tools/local-convex/crons";
import { startLocalConvex, type LocalConvex } from "../../tools/local-convex/server";
import { convexClient, type ServerFrame } from "./support/convexClients";
import { decodeTs, ProtocolSocket, type ServerMessage } from "./support/protocolSocket";

const view = (path: string, sessionId = crypto.randomUUID()) => ({ path, pageType: "post", sessionId });

let server: LocalConvex;
const clients: ConvexClient[] = [];

function connect(onFrame?: (frame: ServerFrame) => void): ConvexClient {
  const client = convexClient(server.url, { onFrame });
  clients.push(client);
  return client;
}

beforeEach(async () => {
  server = await startLocalConvex({ runCronsOnSchedule: false });
  // As while a dashboard is open: the stats worker folds each view within a second (unwatched, views wait up to an hour).
  await server.deployment.mutation("stats:watchDashboard", {});
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await server.close();
  backendClock.reset();
  vi.useRealTimers();
});

describe("sync protocol with the real ConvexClient", () => {
  it("pushes new results to every subscriber after a mutation, and resolves the mutation only with its transition", async () => {
    const watcher = connect();
    const writersFrames: ServerFrame[] = [];
    const writer = connect((frame) => writersFrames.push(frame));
    const watched: number[] = [];
    // The first view also sets trackingSince at once, a result of its own: keep each total once.
    watcher.onUpdate(api.stats.getPageViewStats, {}, ({ totalPageViews }) => watched.at(-1) !== totalPageViews && watched.push(totalPageViews));
    const writersView = writer.onUpdate(api.stats.getPageViewStats, {}, () => {});
    await expect.poll(() => watched).toEqual([0]);

    await writer.mutation(api.stats.recordPageView, view("/hello-world"));

    // ConvexClient resolves a mutation once a Transition at or past its timestamp arrived.
    const response = writersFrames.find((frame) => frame.type === "MutationResponse");
    const transitionTs = writersFrames.filter((frame) => frame.type === "Transition").map((frame) => decodeTs((frame.endVersion as { ts: string }).ts));
    expect(response).toMatchObject({ success: true });
    expect(transitionTs.some((ts) => ts >= decodeTs(response!.ts))).toBe(true);
    // The figure itself comes with the stats worker's next batch, to the writer and the watcher alike.
    await expect.poll(() => writersView.getCurrentValue()?.totalPageViews).toBe(1);
    await expect.poll(() => watched).toEqual([0, 1]);
  });

  it("runs scheduled functions, publishes what they commit, and logs like a deployment", async () => {
    await server.close();
    const deploymentLog: string[] = [];
    server = await startLocalConvex({ runCronsOnSchedule: false, log: (line) => deploymentLog.push(line) });
    const client = connect();
    await client.mutation(api.stats.recordPageView, view("/about"));
    const backfill: (string | undefined)[] = [];
    client.onUpdate(api.stats.getPageViewStats, {}, (stats) => backfill.push(stats.backfill?.state));

    // backfillAggregates is internal: the deployment starts it, its chunks run as scheduled functions.
    const started = await server.deployment.mutation("stats:backfillAggregates", {}, { caller: "deployment" });

    await expect.poll(() => backfill.at(-1)).toBe("done");
    expect(backfill).toContain("running");
    // The caller gets the starting call's console output; the chunks' goes to the deployment's log.
    // (The component's backfill ends with its own last table; the blog's content counts are the app's.)
    expect(started.logLines).toEqual([expect.stringMatching(/^\[LOG\] '\[backfill\] run 1: started/)]);
    expect(deploymentLog).toEqual([expect.stringMatching(/^\[LOG\] '\[backfill\] run 1 chunk 1 \(reset→liveVisits\): .*done/)]);
  });

  it("serves ConvexHttpClient's endpoints, and HTTP mutations reach live subscribers", async () => {
    const http = new ConvexHttpClient(server.url);
    const watched: number[] = [];
    connect().onUpdate(api.stats.getPageViewStats, {}, (stats) => watched.push(stats.uniqueVisitors));

    expect(await http.mutation(api.stats.recordPageView, view("/"))).toEqual({ recorded: true, newVisitor: true });
    // Counted once the stats worker's next batch has folded the view in.
    await expect.poll(async () => (await http.query(api.stats.getPageViewStats, {})).totalPageViews).toBe(1);
    // /api/function takes the arguments object itself and finds the function's kind.
    const anyFunction = await fetch(`${server.url}/api/function`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ path: "stats:getActiveVisitors", format: "convex_encoded_json", args: {} }),
    });
    // A view is its session's presence: the visitor is on "/".
    expect(await anyFunction.json()).toMatchObject({ status: "success", value: { activeVisitors: 1, activeByPath: [{ path: "/", count: 1 }] } });
    await expect.poll(() => watched.at(-1)).toBe(1);
  });
});

describe("bad input at the protocol edge", () => {
  const NOT_FOUND = /Could not find public function for 'stats:(nope|cleanupStaleSessions)'/;

  it("rejects unknown and internal functions like Convex, over WebSocket and HTTP", async () => {
    const client = connect();
    const http = new ConvexHttpClient(server.url);
    await expect(client.mutation(anyApi.stats.nope, {})).rejects.toThrow(NOT_FOUND);
    await expect(client.mutation(anyApi.stats.cleanupStaleSessions, {})).rejects.toThrow(NOT_FOUND);
    await expect(http.query(anyApi.stats.nope, {})).rejects.toThrow(NOT_FOUND);
    await expect(http.mutation(anyApi.stats.cleanupStaleSessions, {})).rejects.toThrow(NOT_FOUND);

    const errors: string[] = [];
    client.onUpdate(anyApi.stats.nope, {}, () => {}, (error) => errors.push(error.message));
    await expect.poll(() => errors[0]).toMatch(NOT_FOUND);
  });

  it("fails a mutation with invalid arguments, forwarding the ConvexError's data", async () => {
    const client = connect();
    const http = new ConvexHttpClient(server.url);
    const invalidPath = { code: "INVALID_ARGUMENT", field: "path" };

    const overSocket = await client.mutation(api.stats.recordPageView, view("no-slash")).catch((error: unknown) => error);
    expect(overSocket).toBeInstanceOf(ConvexError);
    expect(overSocket).toMatchObject({ data: invalidPath });
    const overHttp = await http.mutation(api.stats.recordPageView, view("no-slash")).catch((error: unknown) => error);
    expect(overHttp).toBeInstanceOf(ConvexError);
    expect(overHttp).toMatchObject({ data: invalidPath });

    // Wrong types never reach the handler: the argument validator rejects them.
    await expect(client.mutation(anyApi.stats.recordPageView, { path: 3 })).rejects.toThrow(/Server Error/);
    expect((await http.query(api.stats.getPageViewStats, {})).totalPageViews).toBe(0);
  });

  it("answers malformed messages with FatalError, closes that connection only, and keeps serving others", async () => {
    const bystander = connect();
    const totals: number[] = [];
    bystander.onUpdate(api.stats.getPageViewStats, {}, (stats) => totals.push(stats.totalPageViews));
    await expect.poll(() => totals).toEqual([0]);

    const connected = { type: "Connect" };
    const malformed: { name: string; frames: (object | string | Buffer)[]; error: RegExp }[] = [
      { name: "not JSON", frames: ["{oops"], error: /not JSON/ },
      { name: "an unknown type", frames: [{ type: "Teleport" }], error: /unknown type "Teleport"/ },
      { name: "a binary frame", frames: [Buffer.from([1, 2, 3])], error: /binary/ },
      { name: "a mutation before Connect", frames: [{ type: "Mutation", requestId: 0, udfPath: "stats:heartbeat", args: [{}] }], error: /before Connect/ },
      { name: "args that are not [object]", frames: [connected, { type: "Mutation", requestId: 0, udfPath: "stats:heartbeat", args: {} }], error: /args/ },
      {
        name: "a query-set change from the wrong version",
        frames: [connected, { type: "ModifyQuerySet", baseVersion: 7, newVersion: 8, modifications: [] }],
        error: /base version 7/,
      },
    ];
    for (const { name, frames, error } of malformed) {
      const socket = await ProtocolSocket.open(server.url);
      for (const frame of frames) {
        if (frame === connected) socket.connect();
        else socket.send(frame);
      }
      const reply = await socket.next();
      expect(reply, name).toMatchObject({ type: "FatalError", error: expect.stringMatching(error) });
      expect(await socket.closeCode(), name).toBe(1008);
    }

    await bystander.mutation(api.stats.recordPageView, view("/still-serving"));
    await expect.poll(() => totals.at(-1)).toBe(1);
  });
});

describe("wire format", () => {
  it("chains versions, encodes timestamps as little-endian u64, and never moves them backwards", async () => {
    // A dashboard watches, so the worker folds each view within a second (unwatched, the second would wait 10 min).
    await new ConvexHttpClient(server.url).mutation(api.stats.watchDashboard, {});
    const socket = await ProtocolSocket.open(server.url);
    socket.connect();
    socket.send({
      type: "ModifyQuerySet",
      baseVersion: 0,
      newVersion: 1,
      modifications: [{ type: "Add", queryId: 0, udfPath: "stats:getPageViewStats", args: [{}] }],
    });
    const first = await socket.next();
    expect(first).toMatchObject({
      type: "Transition",
      startVersion: { querySet: 0, identity: 0, ts: "AAAAAAAAAAA=" },
      endVersion: { querySet: 1, identity: 0 },
      modifications: [{ type: "QueryUpdated", queryId: 0, value: expect.objectContaining({ totalPageViews: 0 }) }],
    });

    const endTsOf = (transition: ServerMessage) => decodeTs((transition.endVersion as { ts: string }).ts);
    let previous = first;
    /** The next Transition: it starts where the last one ended, and its timestamp moves forward. */
    const nextTransition = async () => {
      const transition = await socket.next();
      expect(transition).toMatchObject({ type: "Transition", startVersion: previous.endVersion as object });
      expect(endTsOf(transition)).toBeGreaterThan(endTsOf(previous));
      previous = transition;
      return transition;
    };
    for (const requestId of [0, 1]) {
      socket.send({ type: "Mutation", requestId, udfPath: "stats:recordPageView", args: [view(`/page-${requestId}`)] });
      const response = await socket.next();
      expect(response).toMatchObject({ type: "MutationResponse", requestId, success: true });
      // The mutation's own Transition reaches its timestamp; the view is counted in the one
      // after the stats worker's next batch.
      let transition = await nextTransition();
      expect(endTsOf(transition)).toBeGreaterThanOrEqual(decodeTs(response.ts));
      const counted = ({ modifications }: ServerMessage) =>
        (modifications as { value?: { totalPageViews?: number } }[]).some(({ value }) => value?.totalPageViews === requestId + 1);
      while (!counted(transition)) transition = await nextTransition();
      expect(transition).toMatchObject({
        modifications: [{ type: "QueryUpdated", queryId: 0, value: expect.objectContaining({ totalPageViews: requestId + 1 }) }],
      });
    }
    socket.close();
  });
});

describe("crons", () => {
  it("reads each cron's period from a site component's crons.ts (src/component/crons.ts), its function resolved in that component", () => {
    expect(intervalCrons(crons, "docsStats")).toEqual([
      { id: "clean up stale sessions", componentPath: "docsStats", udfPath: "operate:cleanupStaleSessions", args: {}, everyMs: CLEANUP_INTERVAL_SECONDS * 1000 },
    ]);
  });

  it("runs them at that period, and their commits reach subscribers", async () => {
    await server.close();
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    server = await startLocalConvex();
    const client = connect();
    const sessionId = crypto.randomUUID();
    // A dashboard watches: once the stats worker has folded the heartbeat in, it sleeps until the session's timeout.
    await client.mutation(api.stats.watchDashboard, {});
    await client.mutation(api.stats.heartbeat, { sessionId, currentPath: "/about" });
    // Without that wake-up (canceled here, as for a worker that lost it; an unwatched worker sets none), the
    // session stays counted until the cleanup finds it past the timeout and wakes the worker.
    await server.deployment.settled();
    await server.deployment.runInComponent("liveStats/batchWorker", async (ctx) => {
      for (const job of await ctx.db.system.query("_scheduled_functions").collect()) if (job.state.kind === "pending") await ctx.scheduler.cancel(job._id);
    });
    const active: number[] = [];
    client.onUpdate(api.stats.getActiveVisitors, {}, (visitors) => active.push(visitors.activeVisitors));
    // Not expect.poll (nor vi.waitFor): with fake timers they advance them by their interval at each try, so the
    // cron would come due that much early. setTimeout is not faked here.
    for (const deadline = performance.now() + 5_000; active.length === 0 && performance.now() < deadline; ) await delay(20);
    expect(active).toEqual([1]);

    backendClock.advance(SESSION_TIMEOUT_MS + 1_000);
    vi.advanceTimersByTime(CLEANUP_INTERVAL_SECONDS * 1000 - 1);
    await server.deployment.settled();
    expect(active).toEqual([1]);
    vi.advanceTimersByTime(1);

    await expect.poll(() => active).toEqual([1, 0]);
  });
});
