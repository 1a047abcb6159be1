import { expect, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { DEDUP_WINDOW_MS, HEARTBEAT_DEDUP_MS } from "../../src/shared/config";
import type { FunctionReference } from "convex/server";
import { heartbeat, pageViewArgs, viewPage } from "./calls";
import { advanceTo, T0 } from "./clock";
import { createTestConvex, type TestConvex } from "./convex";
import { conflicts, readsOf, type ReadSet } from "./readSet";
import { random, sessionId } from "./seed";
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
  for (const [visitor, path] of [[1, "/a"], [2, "/a"], [3, "/b"]] as const) {
    await viewPage(t, visitor, path);
    await heartbeat(t, visitor, path);
  }
  await settle(t);
  advanceTo(NOW);
  for (const visitor of [1, 2, 3]) await heartbeat(t, visitor, "/a");
  await viewPage(t, 99, "/warm");
  expect((await workerStatus(t))?.kind).toBe("running");
  return t;
}

/**
 * A busy site on top of the steady state: 120 new visitors a moment ago, on three pages. Whatever they draw at
 * random (a sharded limiter's shards) comes from a fixed seed, so every copy of the state is the same.
 */
export async function busySite(t: TestConvex): Promise<void> {
  const seeded = vi.spyOn(Math, "random").mockImplementation(random(7));
  for (let visitor = 1000; visitor < 1120; visitor++) await viewPage(t, visitor, ["/a", "/b", "/c"][visitor % 3]);
  seeded.mockRestore();
}

/** Moves the clock past the heartbeat dedup window and lets any worker run that fell due finish first. */
export async function afterDedup(t: TestConvex): Promise<void> {
  advanceTo(NOW + HEARTBEAT_DEDUP_MS);
  await t.finishInProgressScheduledFunctions();
  expect((await workerStatus(t))?.kind).toBe("running");
}

/** A visitor's call: the app's mutation and its arguments, run from a test (`run`) or inside a transaction whose reads are recorded. */
export type Call = { name: string; visitor: number; mutation: FunctionReference<"mutation">; args: Record<string, unknown>; run: (t: TestConvex) => Promise<unknown> };
const call = (name: string, visitor: number, mutation: FunctionReference<"mutation">, args: Record<string, unknown>): Call => ({
  name,
  visitor,
  mutation,
  args,
  run: (t) => t.mutation(mutation, args),
});
export const view = (visitor: number, path: string): Call => call(`view ${path}`, visitor, api.stats.recordPageView, pageViewArgs(visitor, path));
export const beat = (visitor: number, path: string): Call => call(`heartbeat ${path}`, visitor, api.stats.heartbeat, { sessionId: sessionId(visitor), currentPath: path });
export const track = (visitor: number, name: string): Call =>
  call(`event ${name}`, visitor, api.stats.trackEvent, { sessionId: sessionId(visitor), name, path: "/a", props: { plan: "pro" }, revenue: { amount: 29, currency: "USD" } });

/** The session a written row belongs to: its own rows by `sessionId`, its rate-limit buckets by `key`. */
export const ownerOf = (write: Write) => write.docs.map((doc) => (doc as { sessionId?: string }).sessionId ?? (doc as { key?: string }).key);

/** What one call read and wrote, run from its own copy of the steady state. */
export type Footprint = { reads: ReadSet; writes: Write[] };

/**
 * Runs `call` twice from fresh copies of the same state (`prepare` adds to it), once recording its reads and once its
 * writes. `draws` fixes what Math.random returns during the call (in turn, cyclically), so both runs draw alike.
 */
export async function footprintOf(visitorCall: Call, draws: number[] = [0.5], prepare?: (t: TestConvex) => Promise<void>): Promise<Footprint> {
  const fromSteadyState = async () => {
    const t = await steadyState();
    await prepare?.(t);
    await afterDedup(t);
    let drawn = 0;
    vi.spyOn(Math, "random").mockImplementation(() => draws[drawn++ % draws.length]);
    return t;
  };
  const t = await fromSteadyState();
  const reads = await readsOf(t, (ctx) => ctx.runMutation(visitorCall.mutation, visitorCall.args));
  vi.restoreAllMocks();
  const fresh = await fromSteadyState();
  const writes = await writesOf(fresh, () => visitorCall.run(fresh));
  vi.restoreAllMocks();
  return { reads, writes };
}

/** What each of two concurrent calls writes into the other's reads: empty when Convex commits both without a retry. */
export function conflictsBetween(a: Footprint, b: Footprint): Write[] {
  return [...conflicts(a.writes, b.reads), ...conflicts(b.writes, a.reads)];
}

/** Runs `a` and `b` each from its own copy of the same state; returns what each wrote into the other's reads. */
export async function overlap(a: Call, b: Call, prepare?: (t: TestConvex) => Promise<void>): Promise<Write[]> {
  return conflictsBetween(await footprintOf(a, undefined, prepare), await footprintOf(b, undefined, prepare));
}

/** `samples` footprints of `call`, each with its own seeded random draws (a call's only randomness: what it draws, e.g. a sharded limiter's shards). */
export async function sampleFootprints(call: Call, samples: number, seed: number, prepare?: (t: TestConvex) => Promise<void>): Promise<Footprint[]> {
  const draw = random(seed);
  const footprints: Footprint[] = [];
  for (let sample = 0; sample < samples; sample++) footprints.push(await footprintOf(call, Array.from({ length: 4 }, draw), prepare));
  return footprints;
}

/** The share of pairs, one footprint of each list, that conflict: how often two such calls at once make Convex retry one. */
export function conflictRate(as: Footprint[], bs: Footprint[]): { pairs: number; conflicting: number; rate: number } {
  let conflicting = 0;
  for (const a of as) for (const b of bs) if (conflictsBetween(a, b).length > 0) conflicting++;
  const pairs = as.length * bs.length;
  return { pairs, conflicting, rate: conflicting / pairs };
}
