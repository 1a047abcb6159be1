import { afterEach, describe, expect, test, vi } from "vitest";
import { ConvexError } from "convex/values";
import { api, internal } from "../../convex/_generated/api";
import { api as componentApi } from "../../src/component/_generated/api";
import { WATCH_LEASE_MS } from "../../src/shared/config";
import { SECOND, T0, useFakeClock } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";

/**
 * The dashboard's watch lease (read/dashboardWatch.ts): whoever may read the stats may hold it, with the same access
 * rule as the dashboard's queries; renewing it writes at most once per half-lease, so a client calling it often
 * costs a read, not a write.
 */

useFakeClock(T0);
afterEach(() => {
  vi.unstubAllEnvs();
});

const lease = (t: TestConvex) => t.runInStats(async (ctx) => (await ctx.db.query("dashboardWatch").collect()).map(({ until }) => until));

/** The ConvexError code a call fails with, or "ok". */
async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "ok";
  } catch (error) {
    return error instanceof ConvexError ? (error.data as { code: string }).code : String(error);
  }
}

describe("renewing the lease", () => {
  test(`writes it at most once per half-lease, however often it is called (${WATCH_LEASE_MS / SECOND} s lease)`, async () => {
    const t = createTestConvex();
    const written: number[] = [];
    let last: number | undefined;
    // A client calling every second for two leases.
    for (let second = 0; second <= (2 * WATCH_LEASE_MS) / SECOND; second++) {
      vi.setSystemTime(T0 + second * SECOND);
      await t.mutation(api.stats.watchDashboard, {});
      const [until] = await lease(t);
      if (until !== last) written.push(Date.now() - T0);
      last = until;
      // The lease never lapses while someone renews it, and it is one row.
      expect(until - Date.now()).toBeGreaterThan(WATCH_LEASE_MS / 2 - SECOND);
    }
    expect(written).toEqual([0, 30, 60, 90, 120].map((s) => s * SECOND));
    expect(await lease(t)).toHaveLength(1);
  });

  test("lapses a lease after it if nobody renews it; the next call takes it again", async () => {
    const t = createTestConvex();
    await t.mutation(api.stats.watchDashboard, {});
    vi.setSystemTime(T0 + 5 * WATCH_LEASE_MS);
    await t.mutation(api.stats.watchDashboard, {});
    expect(await lease(t)).toEqual([T0 + 6 * WATCH_LEASE_MS]);
  });
});

describe("a private dashboard's lease", () => {
  test("needs what its queries need: without a token, or with a wrong one, it is refused and nothing is written", async () => {
    vi.stubEnv("STATS_VISIBILITY", "private");
    const t = createTestConvex();
    expect(await outcome(t.mutation(api.stats.watchDashboard, {}))).toBe("PRIVATE_DASHBOARD");
    expect(await outcome(t.mutation(api.stats.watchDashboard, { token: "not-a-token" }))).toBe("PRIVATE_DASHBOARD");
    expect(await lease(t)).toEqual([]);
  });

  test("a share link's token takes it, and so does a caller the app vouches for (`granted`, which browsers cannot send)", async () => {
    vi.stubEnv("STATS_VISIBILITY", "private");
    const t = createTestConvex();
    const { token } = await t.action(internal.stats.createShareLink, { label: "team" });
    expect(await outcome(t.mutation(api.stats.watchDashboard, { token }))).toBe("ok");
    expect(await lease(t)).toEqual([T0 + WATCH_LEASE_MS]);

    await expect(t.mutation(api.stats.watchDashboard, { granted: true } as unknown as Record<string, never>)).rejects.toThrow(/granted/);
    vi.setSystemTime(T0 + WATCH_LEASE_MS);
    await t.runInStats((ctx) => ctx.runMutation(componentApi.read.watchDashboard, { granted: true }));
    expect(await lease(t)).toEqual([T0 + 2 * WATCH_LEASE_MS]);
  });
});
