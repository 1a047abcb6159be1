import { expect, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { DEDUP_WINDOW_MS, HEARTBEAT_DEDUP_MS } from "../../src/shared/config";
import { heartbeat, pageViewArgs, viewPage } from "./calls";
import { advanceTo, T0 } from "./clock";
import { createTestConvex, type TestConvex } from "./convex";
import { conflicts, readsOf } from "./readSet";
import { sessionId } from "./seed";
import { settle, workerStatus } from "./worker";
import { writesOf, type Write } from "./writeSet";

/**
 * Two hot-path calls run from copies of one deployment state, and what each
 * wrote into the other's reads: tests/convex/stats.writeSets.test.ts and the
 * hot-path bench. Needs fake timers.
 */

export const NOW = T0 + 10 * DEDUP_WINDOW_MS;

/** A deployment with history (visitors 1–3 on /a and /b), folded, then a visitor keeping the worker running. */
export async function steadyState(): Promise<TestConvex> {
  // Every copy of the state starts at the same instant, with no timer of an earlier copy left to fire.
  vi.clearAllTimers();
  vi.setSystemTime(T0);
  const t = createTestConvex();
  // The rate limiter draws its shards at random: these visitors all take from the last shard, so tests can pick others.
  const random = vi.spyOn(Math, "random").mockReturnValue(0.99);
  for (const [visitor, path] of [[1, "/a"], [2, "/a"], [3, "/b"]] as const) {
    await viewPage(t, visitor, path);
    await heartbeat(t, visitor, path);
  }
  await settle(t);
  advanceTo(NOW);
  for (const visitor of [1, 2, 3]) await heartbeat(t, visitor, "/a");
  await viewPage(t, 99, "/warm");
  random.mockRestore();
  expect((await workerStatus(t))?.kind).toBe("running");
  return t;
}

/** Moves the clock past the heartbeat dedup window and lets any worker run that fell due finish first. */
export async function afterDedup(t: TestConvex): Promise<void> {
  advanceTo(NOW + HEARTBEAT_DEDUP_MS);
  await t.finishInProgressScheduledFunctions();
  expect((await workerStatus(t))?.kind).toBe("running");
}

export type Call = { name: string; visitor: number; run: (t: TestConvex) => Promise<unknown> };
export const view = (visitor: number, path: string): Call => ({ name: `view ${path}`, visitor, run: (t) => viewPage(t, visitor, path) });
export const beat = (visitor: number, path: string): Call => ({ name: `heartbeat ${path}`, visitor, run: (t) => heartbeat(t, visitor, path) });

/** The session a written row belongs to, on either version: its own rows by `sessionId`, its rate-limit buckets by `key`. */
export const ownerOf = (write: Write) => write.docs.map((doc) => (doc as { sessionId?: string }).sessionId ?? (doc as { key?: string }).key);

/** A shard of a site-wide cap: a rate-limit row with no session key. */
export const isSiteCapShard = (write: Write) => write.table === "rateLimits" && ownerOf(write).every((owner) => owner === undefined);
export const capOf = (write: Write) => (write.docs[0] as { name: string }).name;

/**
 * Runs `a` and `b` each from its own copy of the same state (`prepare` adds to it); returns what each wrote
 * into the other's reads. `draws` fixes what Math.random returns during each call (in turn, cyclically), so
 * both runs of a call (its reads, then its writes) draw the rate limiter's shards alike.
 */
export async function overlap(a: Call, b: Call, draws?: { a: number[]; b: number[] }, prepare?: (t: TestConvex) => Promise<void>) {
  const run = async (call: Call, draw: number[] | undefined) => {
    const fromSteadyState = async () => {
      const t = await steadyState();
      await prepare?.(t);
      await afterDedup(t);
      let next = 0;
      if (draw !== undefined) vi.spyOn(Math, "random").mockImplementation(() => draw[next++ % draw.length]);
      return t;
    };
    const args = call.name.startsWith("view") ? pageViewArgs(call.visitor, call.name.slice(5)) : null;
    const path = call.name.replace(/^\S+ /, "");
    const t = await fromSteadyState();
    const reads = await readsOf(t, (ctx) =>
      args ? ctx.runMutation(api.stats.recordPageView, args) : ctx.runMutation(api.stats.heartbeat, { sessionId: sessionId(call.visitor), currentPath: path }),
    );
    vi.restoreAllMocks();
    const fresh = await fromSteadyState();
    const writes = await writesOf(fresh, () => call.run(fresh));
    vi.restoreAllMocks();
    return { reads, writes };
  };
  const [ra, rb] = [await run(a, draws?.a), await run(b, draws?.b)];
  return [...conflicts(ra.writes, rb.reads), ...conflicts(rb.writes, ra.reads)];
}

