import { ConvexError } from "convex/values";
import { afterEach, describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import {
  DEFAULT_NEW_PATHS_PER_MINUTE,
  DEFAULT_NEW_VISITORS_PER_MINUTE,
  HEARTBEAT_DEDUP_MS,
  SESSION_HEARTBEATS_PER_MINUTE,
  SESSION_TIMEOUT_MS,
  SESSION_VIEWS_PER_MINUTE,
} from "../../src/shared/config";
import { limitConfig, siteCap, type RateLimited } from "../../src/component/record/rateLimits";
import { heartbeat, runCleanup, viewPage } from "../support/calls";
import { advanceTo, MINUTE, SECOND, T0, useFakeClock } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { RATE_LIMITER_COMPONENT } from "../support/convexBackend";
import { sessionId } from "../support/seed";
import { settle } from "../support/worker";
import { writesOf } from "../support/writeSet";

/**
 * The caps on abuse (component/record/rateLimits.ts): what a limited call gets,
 * that it writes nothing, that the limits recover, and that a loop of fresh
 * session ids gets no further than the site-wide caps let it.
 */

useFakeClock(T0);
afterEach(() => vi.unstubAllEnvs());

/** The RATE_LIMITED data a call was refused with, or null if it went through. */
async function refusal(call: Promise<unknown>): Promise<RateLimited | null> {
  try {
    await call;
    return null;
  } catch (error) {
    if (error instanceof ConvexError && (error.data as RateLimited).code === "RATE_LIMITED") return error.data as RateLimited;
    throw error;
  }
}

const viewCount = async (t: TestConvex) => (await t.runInStats((ctx) => ctx.db.query("pageViews").collect())).length;

describe("the caps' settings", () => {
  test("site-wide caps hold two minutes of their rate, in shards of about 50 tokens, at most 40", () => {
    expect(siteCap(1_000)).toEqual({ kind: "token bucket", rate: 1_000, period: MINUTE, capacity: 2_000, shards: 40 });
    expect(siteCap(5_000)).toMatchObject({ capacity: 10_000, shards: 40 });
    expect(siteCap(200)).toMatchObject({ capacity: 400, shards: 8 });
    expect(siteCap(150)).toMatchObject({ capacity: 300, shards: 6 });
    expect(siteCap(10)).toMatchObject({ capacity: 20, shards: 1 });
  });

  test("the environment sets the site-wide caps; a bad value keeps the default and says so", () => {
    expect(limitConfig("newVisitors")).toEqual(siteCap(DEFAULT_NEW_VISITORS_PER_MINUTE));
    vi.stubEnv("STATS_MAX_NEW_VISITORS_PER_MINUTE", "300");
    vi.stubEnv("STATS_MAX_NEW_PATHS_PER_MINUTE", "lots");
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(limitConfig("newVisitors")).toEqual(siteCap(300));
    expect(limitConfig("newPaths")).toEqual(siteCap(DEFAULT_NEW_PATHS_PER_MINUTE));
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('STATS_MAX_NEW_PATHS_PER_MINUTE="lots"'));
  });
});

describe("per session", () => {
  test(`a session's view past ${SESSION_VIEWS_PER_MINUTE} in a minute is refused, writes nothing, and goes through once the bucket refills`, async () => {
    const t = createTestConvex();
    for (let page = 0; page < SESSION_VIEWS_PER_MINUTE; page++) await viewPage(t, 1, `/p${page}`);

    const before = await viewCount(t);
    let limited: RateLimited | null = null;
    expect(await writesOf(t, async () => (limited = await refusal(viewPage(t, 1, "/one-too-many"))))).toEqual([]);
    expect(limited).toMatchObject({ code: "RATE_LIMITED", limit: "sessionViews", message: expect.stringContaining("retry in 1 s") });
    expect(limited!.retryAfter).toBeGreaterThan(0);
    expect(limited!.retryAfter).toBeLessThanOrEqual(SECOND);
    expect(await viewCount(t)).toBe(before);
    // Another visitor is not held back by it.
    expect(await refusal(viewPage(t, 2, "/p0"))).toBeNull();

    advanceTo(Date.now() + limited!.retryAfter);
    expect(await refusal(viewPage(t, 1, "/one-too-many"))).toBeNull();
    expect(await viewCount(t)).toBe(before + 2);
  });

  test("a repeat view inside the dedup window takes no token", async () => {
    const t = createTestConvex();
    for (let i = 0; i < 3 * SESSION_VIEWS_PER_MINUTE; i++) await viewPage(t, 1, "/same");
    expect(await viewCount(t)).toBe(1);
    expect(await refusal(viewPage(t, 1, "/other"))).toBeNull();
  });

  test(`a session's writing heartbeat past ${SESSION_HEARTBEATS_PER_MINUTE} in a minute is refused; same-path repeats take no token`, async () => {
    const t = createTestConvex();
    for (let i = 0; i < SESSION_HEARTBEATS_PER_MINUTE; i++) {
      await heartbeat(t, 1, `/p${i}`);
      await heartbeat(t, 1, `/p${i}`); // deduplicated: writes nothing, takes nothing
    }
    expect(await refusal(heartbeat(t, 1, "/next"))).toMatchObject({ code: "RATE_LIMITED", limit: "sessionHeartbeats" });
    advanceTo(Date.now() + MINUTE / SESSION_HEARTBEATS_PER_MINUTE);
    expect(await refusal(heartbeat(t, 1, "/next"))).toBeNull();
  });

  test("the cleanup cron drops the buckets of the sessions it removes", async () => {
    const t = createTestConvex();
    await viewPage(t, 1, "/a");
    await heartbeat(t, 1, "/a");
    await heartbeat(t, 2, "/a");
    // Per-session buckets: the rate limiter's rows with a key (tests/support/committedDocuments.ts).
    const buckets = async () => {
      const documents = (t as unknown as { committedDocuments(): Record<string, Record<string, { key?: string }>> }).committedDocuments();
      return Object.values(documents[RATE_LIMITER_COMPONENT] ?? {}).filter((doc) => doc.key !== undefined).map((doc) => doc.key);
    };
    expect(new Set(await buckets())).toEqual(new Set([sessionId(1), sessionId(2)]));
    advanceTo(T0 + SESSION_TIMEOUT_MS / 2);
    await heartbeat(t, 2, "/b");
    advanceTo(T0 + SESSION_TIMEOUT_MS + SECOND);

    await runCleanup(t);

    expect(await buckets()).toEqual([sessionId(2)]);
  });
});

describe("a loop of fresh session ids", () => {
  // 150 new visitors a minute: a bucket of 300 tokens in 6 shards.
  const PER_MINUTE = 150;

  // About 600 calls through convex-test.
  test("gets no further than the new-visitor cap, and the counts show exactly what it let through", { timeout: 60_000 }, async () => {
    vi.stubEnv("STATS_MAX_NEW_VISITORS_PER_MINUTE", String(PER_MINUTE));
    const t = createTestConvex();
    let accepted = 0;
    let refused = 0;
    let visitor = 1;
    // At one instant: the burst the cap holds, and no more.
    for (let i = 0; i < 2.5 * PER_MINUTE; i++) {
      const limited = await refusal(viewPage(t, visitor++, "/"));
      if (limited === null) accepted++;
      else {
        expect(limited).toMatchObject({ limit: "newVisitors" });
        refused++;
      }
    }
    const capacity = siteCap(PER_MINUTE).capacity!;
    expect(accepted).toBeLessThanOrEqual(capacity);
    // Shards refuse a little early now and then (a drawn pair can be empty while others are not), never late.
    expect(accepted).toBeGreaterThan(0.9 * capacity);
    expect(refused).toBe(2.5 * PER_MINUTE - accepted);

    // A minute on, the cap lets about a minute's rate through again.
    advanceTo(T0 + MINUTE);
    let acceptedLater = 0;
    for (let i = 0; i < 1.5 * PER_MINUTE; i++) if ((await refusal(viewPage(t, visitor++, "/"))) === null) acceptedLater++;
    expect(acceptedLater).toBeLessThanOrEqual(PER_MINUTE + 1);
    expect(acceptedLater).toBeGreaterThan(0.8 * PER_MINUTE);

    await settle(t);
    const { totalPageViews, uniqueVisitors, distinctPages } = await t.query(api.stats.getStats, {});
    expect({ totalPageViews, uniqueVisitors, distinctPages }).toEqual({
      totalPageViews: accepted + acceptedLater,
      uniqueVisitors: accepted + acceptedLater,
      distinctPages: 1,
    });
  });

  test("spraying new paths gets no further than the new-path cap, and returning visitors on known pages pass meanwhile", { timeout: 60_000 }, async () => {
    vi.stubEnv("STATS_MAX_NEW_PATHS_PER_MINUTE", String(PER_MINUTE));
    const t = createTestConvex();
    await viewPage(t, 1, "/known");
    let accepted = 0;
    // 15 sessions, 30 new paths each: under each session's own cap, over the site's new-path cap.
    for (let session = 100; session < 115; session++) {
      for (let page = 0; page < 30; page++) {
        const limited = await refusal(viewPage(t, session, `/spray/${session}/${page}`));
        if (limited === null) accepted++;
        else expect(limited).toMatchObject({ limit: "newPaths" });
      }
    }
    expect(accepted).toBeLessThanOrEqual(siteCap(PER_MINUTE).capacity! - 1);
    expect(accepted).toBeGreaterThan(0.9 * (siteCap(PER_MINUTE).capacity! - 1));
    expect(await refusal(viewPage(t, 2, "/known"))).toBeNull();

    await settle(t);
    expect((await t.query(api.stats.getStats, {})).distinctPages).toBe(accepted + 1);
  });

  test("a heartbeat from a session that never viewed a page counts as a new visitor", async () => {
    vi.stubEnv("STATS_MAX_NEW_VISITORS_PER_MINUTE", "5");
    const t = createTestConvex();
    const outcomes = [];
    for (let visitor = 1; visitor <= 12; visitor++) outcomes.push(await refusal(heartbeat(t, visitor, "/")));
    expect(outcomes.filter((outcome) => outcome === null)).toHaveLength(siteCap(5).capacity!);
    await settle(t);
    expect((await t.query(api.stats.getActiveVisitors, {})).activeVisitors).toBe(siteCap(5).capacity!);
    // A visitor already counted by its view is not new again at its first heartbeat.
    advanceTo(Date.now() + HEARTBEAT_DEDUP_MS);
    expect(await refusal(heartbeat(t, 1, "/elsewhere"))).toBeNull();
  });
});
