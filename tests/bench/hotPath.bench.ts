import { writeFileSync } from "node:fs";
import { test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { limitConfig } from "../../src/component/record/rateLimits";
import { pageViewArgs } from "../support/calls";
import { T0, useFakeClock } from "../support/clock";
import type { TestConvex } from "../support/convex";
import { RATE_LIMITER_COMPONENT } from "../support/convexBackend";
import { afterDedup, beat, isSiteCapShard, overlap, steadyState, view, type Call } from "../support/hotPathConflicts";
import { measure, type Cost } from "../support/metrics";
import { sessionId } from "../support/seed";
import { writesOf } from "../support/writeSet";

/**
 * What the rate limiter adds to the hot path (prds/howtoavoidwriteconflicts.md):
 * 1. each visitor call's cost in Convex's counters, and how many of its writes
 *    are the limiter's (its own buckets, a site-cap shard);
 * 2. how often two concurrent newcomers conflict: pairs run from copies of one
 *    busy state (every shard of both site caps taken from already, so each call
 *    reads two shards as the limiter's power-of-two choice does), with the
 *    limiter's random draws left random. Returning visitors never conflict
 *    (tests/convex/stats.writeSets.test.ts). PAIRS=300 by default (~7 minutes).
 */
const PAIRS = Number(process.env.PAIRS ?? 300);
const OUTPUT = new URL("./hotPath.results.md", import.meta.url);

useFakeClock(T0);

type ComponentDb = { insert(table: string, doc: object): Promise<unknown>; query(table: string): { collect(): Promise<{ name: string; key?: string; shard: number }[]> } };
type RunInComponent = (path: string, body: (ctx: { db: ComponentDb }) => Promise<void>) => Promise<void>;

/** Every shard of both site-wide caps as a busy site has them: taken from before (those the state lacks added half full). */
async function everyShardTaken(t: TestConvex): Promise<void> {
  await (t as unknown as { runInComponent: RunInComponent }).runInComponent(RATE_LIMITER_COMPONENT, async (ctx) => {
    const existing = new Set((await ctx.db.query("rateLimits").collect()).filter((row) => row.key === undefined).map((row) => `${row.name}:${row.shard}`));
    for (const name of ["newVisitors", "newPaths"] as const) {
      const { shards = 1, capacity = 0 } = limitConfig(name) as { shards?: number; capacity?: number };
      for (let shard = 0; shard < shards; shard++) {
        if (!existing.has(`${name}:${shard}`)) await ctx.db.insert("rateLimits", { name, shard, value: capacity / shards / 2, ts: Date.now() });
      }
    }
  });
}

const CALLS: [string, Call][] = [
  ["view: new visitor", view(10, "/a")],
  ["view: new visitor, new page", view(10, "/new")],
  ["view: returning visitor, known page", view(1, "/b")],
  ["view: returning visitor, new page", view(1, "/new")],
  ["heartbeat: new session", beat(10, "/a")],
  ["heartbeat: page change", beat(1, "/b")],
];

async function callCosts(): Promise<string[]> {
  const lines = ["| call | documentsRead | documentsWritten | of which the limiter's | databaseQueries | bytesWritten |", "|---|---:|---:|---:|---:|---:|"];
  for (const [name, call] of CALLS) {
    const costOf = async (): Promise<Cost> => {
      const t = await steadyState();
      await everyShardTaken(t);
      await afterDedup(t);
      const args = call.name.startsWith("view") ? pageViewArgs(call.visitor, call.name.slice(5)) : null;
      const path = call.name.replace(/^\S+ /, "");
      const run = (ctx: Parameters<Parameters<typeof measure>[1]>[0]) =>
        args ? ctx.runMutation(api.stats.recordPageView, args) : ctx.runMutation(api.stats.heartbeat, { sessionId: sessionId(call.visitor), currentPath: path });
      return (await measure(t, run)).cost;
    };
    const cost = await costOf();
    const t = await steadyState();
    await everyShardTaken(t);
    await afterDedup(t);
    const limiterWrites = (await writesOf(t, () => call.run(t))).filter((write) => write.component === RATE_LIMITER_COMPONENT).length;
    lines.push(`| ${name} | ${cost.documentsRead} | ${cost.documentsWritten} | ${limiterWrites} | ${cost.databaseQueries} | ${cost.bytesWritten.toLocaleString("en-US")} |`);
  }
  return lines;
}

async function conflictRate(a: Call, b: Call): Promise<{ conflicting: number; onShards: number }> {
  let conflicting = 0;
  let onShards = 0;
  for (let pair = 0; pair < PAIRS; pair++) {
    // Independent draws for each of a call's random choices (the limiter draws two per cap).
    const draws = () => Array.from({ length: 4 }, () => Math.random());
    const found = await overlap(a, b, { a: draws(), b: draws() }, everyShardTaken);
    if (found.length > 0) conflicting++;
    if (found.length > 0 && found.every(isSiteCapShard)) onShards++;
  }
  return { conflicting, onShards };
}

test("hot path: the limiter's cost and conflicts", async () => {
  const costs = await callCosts();
  const shards = (name: "newVisitors" | "newPaths") => (limitConfig(name) as { shards: number }).shards;
  const pairs: [string, Call, Call, number][] = [
    ["two new visitors (new-visitor cap)", view(10, "/a"), view(11, "/b"), shards("newVisitors")],
    ["two returning visitors, each on a new page (new-path cap)", view(1, "/new-1"), view(2, "/new-2"), shards("newPaths")],
  ];
  const rates = ["| concurrent pair | shards | pairs | conflicting | all on a shard | expected |", "|---|---:|---:|---:|---:|---:|"];
  for (const [name, a, b, n] of pairs) {
    const { conflicting, onShards } = await conflictRate(a, b);
    // Each reads 2 of n shards and writes one of them: a pair conflicts if either's written shard is among the other's two,
    // 3 coincidences of n when both write their second draw (equal shards, as here), up to 4 when the fuller is random.
    rates.push(`| ${name} | ${n} | ${PAIRS} | ${((100 * conflicting) / PAIRS).toFixed(0)}% | ${onShards} | ${(300 / n).toFixed(0)}–${(400 / n).toFixed(0)}% |`);
  }
  vi.useRealTimers();
  const report = [
    "<!-- Generated by `npx vitest run --config tests/bench/vitest.config.ts tests/bench/hotPath.bench.ts` (part of `npm run bench`). -->",
    "",
    "What one visitor call costs with the rate limiter (default caps; a busy site: every shard of both site caps exists), in Convex's per-transaction counters:",
    "",
    ...costs,
    "",
    `How often two concurrent calls conflict (Convex retries the loser; run from copies of one state, ${PAIRS} random pairs each). Returning visitors on known pages never do; the only shared documents are the shards of the site-wide caps:`,
    "",
    ...rates,
    "",
  ].join("\n");
  writeFileSync(OUTPUT, report);
  console.log(report);
});
