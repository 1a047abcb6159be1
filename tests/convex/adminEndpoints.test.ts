import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import type { GenericActionCtx, GenericDataModel } from "convex/server";
import { ADMIN_RECOUNT_ROWS_PER_QUERY, CLEANUP_PAGE_SIZE, SESSION_TIMEOUT_MS } from "../../src/shared/config";
import { components, internal } from "../../convex/_generated/api";
import type { RecountSample } from "../../src/component/operate/recount";
import { recountSampledPages } from "../../src/client/http/recount";
import { backfillStatus } from "../support/backfill";
import { viewPage } from "../support/calls";
import { SECOND, T0, advanceTo, useFakeClock } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { STATS_COMPONENT } from "../support/convexBackend";
import { scheduledRuns } from "../support/scheduler";
import { generateSessions, insertRows } from "../support/seed";
import { settle } from "../support/worker";

// POST /api/admin/{backfill,cleanup,recount} (convex/http.ts → registerRoutes, src/client/http/adminEndpoints.ts) through convex-test's t.fetch.

const SECRET = "9b1f0c3e5a7d2f4e6c8a0b2d4f6e8a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f";
const ENDPOINTS = ["backfill", "cleanup", "recount"] as const;
type Endpoint = (typeof ENDPOINTS)[number];

useFakeClock(T0);
let t: TestConvex;
beforeEach(() => {
  vi.stubEnv("STATS_ADMIN_SECRET", SECRET);
  muteAdminLogs();
  t = createTestConvex();
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** The endpoints log a line per step, and the backfill a line per chunk: they stay out of the test's output. */
function muteAdminLogs(): void {
  const log = console.log.bind(console);
  vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    if (!(typeof args[0] === "string" && /^\[(admin|backfill)\]/.test(args[0]))) log(...args);
  });
}

/** POSTs to an admin endpoint, with `Authorization: Bearer <secret>` unless `authorization` says otherwise (null: no header). */
async function post(endpoint: Endpoint, { authorization = `Bearer ${SECRET}`, query = "" }: { authorization?: string | null; query?: string } = {}) {
  const response = await t.fetch(`/api/admin/${endpoint}${query}`, {
    method: "POST",
    headers: authorization === null ? {} : { Authorization: authorization },
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

const pathStatsOf = (path: string) => t.runInStats((ctx) => ctx.db.query("pathStats").withIndex("by_path", (q) => q.eq("path", path)).unique());

describe("who may call them", () => {
  test("with no secret configured, every endpoint is off for everyone: 503 saying how to set one", async () => {
    vi.stubEnv("STATS_ADMIN_SECRET", "");
    for (const endpoint of ENDPOINTS) {
      for (const authorization of [null, "Bearer guess", `Bearer ${SECRET}`, "Bearer "]) {
        const { status, body } = await post(endpoint, { authorization });
        expect(status).toBe(503);
        expect(body.error).toContain('npx convex env set STATS_ADMIN_SECRET "$(openssl rand -hex 32)"');
      }
    }
    expect(await backfillStatus(t)).toBeNull();
  });

  test("with one configured, a missing, malformed or wrong token gets one answer: 401 Unauthorized, and nothing runs", async () => {
    const wrong = [null, "", "Bearer", "Bearer ", "Bearer guess", `Bearer ${SECRET}x`, `Bearer ${SECRET.slice(0, -1)}`, SECRET, `Basic ${btoa(`admin:${SECRET}`)}`, `Bearer ${SECRET} extra`];
    for (const endpoint of ENDPOINTS) {
      for (const authorization of wrong) {
        const { status, headers, body } = await post(endpoint, { authorization });
        expect({ authorization, status, body }).toEqual({ authorization, status: 401, body: { error: "Unauthorized" } });
        expect(headers.get("WWW-Authenticate")).toBe("Bearer");
      }
    }
    expect(await backfillStatus(t)).toBeNull();
  });

  test("refuses before it reads anything else: a bad limit from a caller without the secret is a 401, not a 400", async () => {
    expect((await post("recount", { authorization: "Bearer guess", query: "?limit=oops" })).status).toBe(401);
    expect((await post("recount", { query: "?limit=oops" })).status).toBe(400);
  });

  test("take the scheme in any case, as HTTP does", async () => {
    expect((await post("recount", { authorization: `bearer ${SECRET}` })).status).toBe(200);
  });
});

describe("POST /api/admin/backfill", () => {
  test("starts a backfill and says so; while it runs, a second call reports it and starts nothing", async () => {
    const first = await post("backfill");
    expect(first).toMatchObject({ status: 200, body: { success: true, summary: { total: 1, processed: 1, failed: 0 } } });
    expect(first.body.message).toMatch(/^Backfill run 1: started; the stats worker rebuilds derived data/);
    expect(first.body).not.toHaveProperty("errors");

    const second = await post("backfill");
    expect(second.body).toMatchObject({ success: true, summary: { total: 1, processed: 0, failed: 0 } });
    expect(second.body.message).toMatch(/^Backfill run 1: already running \(0 rows so far\); nothing new started$/);

    await settle(t);
    expect(await backfillStatus(t)).toMatchObject({ state: "done", runId: 1 });
  });
});

describe("POST /api/admin/cleanup", () => {
  test("removes every stale session now, a bounded chunk per transaction, and leaves live ones and nothing scheduled", async () => {
    const stale = generateSessions({ count: CLEANUP_PAGE_SIZE + 30, paths: 5, lastSeen: T0 });
    await insertRows(t, "activeSessions", stale);
    advanceTo(T0 + SESSION_TIMEOUT_MS + SECOND);
    await insertRows(t, "activeSessions", generateSessions({ count: 3, paths: 1, lastSeen: Date.now(), firstId: 10_000 }));

    const { status, body } = await post("cleanup");

    expect(status).toBe(200);
    expect(body).toEqual({
      success: true,
      message: `Removed ${stale.length} stale sessions in 2 chunks`,
      summary: { total: stale.length, processed: stale.length, failed: 0 },
    });
    expect(await t.runInStats((ctx) => ctx.db.query("activeSessions").collect())).toHaveLength(3);
    // It looped itself: the cron's self-rescheduling did not add runs of its own.
    expect((await scheduledRuns(t))[`${STATS_COMPONENT}/operate:cleanupStaleSessions`]).toBeUndefined();
  });

  test("with nothing stale, removes nothing in one chunk", async () => {
    expect((await post("cleanup")).body).toEqual({ success: true, message: "Removed 0 stale sessions in 1 chunk", summary: { total: 0, processed: 0, failed: 0 } });
  });
});

describe("POST /api/admin/recount", () => {
  /** Visitor n views each path once; `views` maps each path to how many visitors view it. */
  async function viewPages(views: Record<string, number>, firstVisitor = 0): Promise<void> {
    for (const [path, count] of Object.entries(views)) {
      for (let visitor = firstVisitor; visitor < firstVisitor + count; visitor++) await viewPage(t, visitor, path);
    }
  }

  test("finds every derived figure equal to the raw rows on a settled deployment", async () => {
    await viewPages({ "/a": 5, "/b": 3, "/c": 2 });
    await settle(t);

    const { status, body } = await post("recount");

    expect(status).toBe(200);
    expect(body).toEqual({ success: true, message: "Recounted 4/4 figures (3 pages and the site total)", summary: { total: 4, processed: 4, failed: 0 } });
  });

  test("under traffic the worker has not folded yet, still reports nothing failed: only folded rows are compared", async () => {
    await viewPages({ "/a": 5, "/b": 3 });
    await settle(t);
    await viewPages({ "/a": 4, "/b": 2, "/new": 1 }, 100);
    // The new views are committed, not folded: the derived figures are behind the raw rows.
    expect((await pathStatsOf("/a"))?.views).toBe(5);
    expect(await pathStatsOf("/new")).toBeNull();

    const { body } = await post("recount");

    expect(body).toMatchObject({ success: true, summary: { total: 3, processed: 3, failed: 0 } });
    await settle(t);
    expect((await post("recount")).body).toMatchObject({ success: true, summary: { total: 4, processed: 4, failed: 0 } });
  });

  test("reports each wrong figure as a failed item with what it found, and checks the others all the same", async () => {
    await viewPages({ "/a": 5, "/b": 3, "/c": 2, "/d": 1 });
    await settle(t);
    await t.runInStats(async (ctx) => {
      const b = await ctx.db.query("pathStats").withIndex("by_path", (q) => q.eq("path", "/b")).unique();
      await ctx.db.patch(b!._id, { views: 4 });
      // /c's row is lost: only the recently viewed pages of the sample can find it.
      const c = await ctx.db.query("pathStats").withIndex("by_path", (q) => q.eq("path", "/c")).unique();
      await ctx.db.delete(c!._id);
      const counter = await ctx.db.query("counters").withIndex("by_name", (q) => q.eq("name", "pageViews")).unique();
      await ctx.db.patch(counter!._id, { value: counter!.value + 7 });
    });

    const { status, body } = await post("recount");

    expect(status).toBe(200);
    expect(body).toEqual({
      success: true,
      message: "Recounted 5/5 figures (4 pages and the site total); 3 failed",
      summary: { total: 5, processed: 5, failed: 3 },
      errors: [
        { target: "page:/b", error: "derived 4 views, raw rows 3" },
        { target: "page:/c", error: "derived 0 views (no pathStats row), raw rows 2" },
        { target: "site", error: "counter 18 views, all-time bucket 11 views" },
      ],
    });
  });

  test("counts a page with more rows than one query reads, a bounded query at a time", async () => {
    const views = ADMIN_RECOUNT_ROWS_PER_QUERY + 150;
    // Rows from before the worker (no committedAt) and the derived rows a backfill would have built from them.
    await insertRows(
      t,
      "pageViews",
      Array.from({ length: views }, (_, i) => ({ path: "/big", pageType: "post", sessionId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`, timestamp: T0 - i })),
    );
    await t.runInStats(async (ctx) => {
      await ctx.db.insert("pathStats", { path: "/big", pageType: "post", views });
      await ctx.db.insert("counters", { name: "pageViews", value: views });
      for (const scope of ["/big", ""]) {
        await ctx.db.insert("timeBuckets", { scope, group: scope === "" ? "site" : "page", level: "all", start: 0, pageviews: views, visitors: views });
      }
    });

    expect((await post("recount")).body).toMatchObject({ success: true, summary: { total: 2, processed: 2, failed: 0 } });
    await t.runInStats(async (ctx) => ctx.db.insert("pageViews", { path: "/big", pageType: "post", sessionId: "00000000-0000-4000-8000-999999999999", timestamp: T0 }));
    expect((await post("recount")).body.errors).toEqual([{ target: "page:/big", error: `derived ${views} views, all-time bucket ${views} views, raw rows ${views + 1}` }]);
  });

  test("checks `limit` pages, capped by the sample's maximum; anything but a whole number from 1 is a 400", async () => {
    await viewPages({ "/a": 3, "/b": 2, "/c": 1 });
    await settle(t);

    expect((await post("recount", { query: "?limit=2" })).body).toMatchObject({ message: "Recounted 3/3 figures (2 pages and the site total)" });
    expect((await post("recount", { query: "?limit=1" })).body).toMatchObject({ message: "Recounted 2/2 figures (1 page and the site total)" });
    expect((await post("recount", { query: "?limit=100000" })).body).toMatchObject({ summary: { total: 4 } });
    expect((await post("recount", { query: "?limit=002" })).body).toMatchObject({ summary: { total: 3 } });
    // Digits only: Number() would read each of these as a count.
    for (const limit of ["0", "-3", "2.5", "abc", "", "0x10", "+5", "1.0", "1e308", " 5", "５"]) {
      const { status, body } = await post("recount", { query: `?limit=${encodeURIComponent(limit)}` });
      expect(status).toBe(400);
      expect(body).toEqual({ success: false, error: `limit must be a whole number of pages, at least 1 (got "${limit}")`, timestamp: expect.any(String) });
    }
  });

  test("a parameter an endpoint does not take, or a second limit, is a 400, not ignored", async () => {
    await viewPages({ "/a": 1 });
    await settle(t);

    const refusals = [
      ["recount", "?limit[]=1", 'recount takes only limit (got "limit[]")'],
      ["recount", "?limt=5", 'recount takes only limit (got "limt")'],
      ["recount", "?limit=1&limit=2", "give limit once (got 2 of them)"],
      ["cleanup", "?all=1", 'cleanup takes no query parameters (got "all")'],
      ["backfill", "?force", 'backfill takes only acceptRetentionLoss (got "force")'],
      ["backfill", "?acceptRetentionLoss=yes", 'acceptRetentionLoss takes only "true" (got "yes")'],
    ] as const;
    for (const [endpoint, query, error] of refusals) {
      const { status, body } = await post(endpoint, { query });
      expect({ endpoint, query, status, body }).toEqual({ endpoint, query, status: 400, body: { success: false, error, timestamp: expect.any(String) } });
    }
  });

  test("answers 409 while a backfill rebuilds derived data", async () => {
    await viewPages({ "/a": 2 });
    await settle(t);
    await post("backfill");

    const { status, body } = await post("recount");

    expect(status).toBe(409);
    expect(body).toEqual({ success: false, error: "backfill run 1 is rebuilding derived data (now at reset): recount once it is done", timestamp: expect.any(String) });
  });

  test("answers 500 with the error and a timestamp when the recount cannot run at all", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    await viewPages({ "/a": 2 });
    await settle(t);
    // Two all-time buckets for the site: the sample's read of it throws.
    await t.runInStats((ctx) => ctx.db.insert("timeBuckets", { scope: "", group: "site", level: "all", start: 0, pageviews: 2, visitors: 2 }));

    const { status, body } = await post("recount");

    expect(status).toBe(500);
    expect(body).toEqual({ success: false, error: expect.stringMatching(/unique/), timestamp: expect.any(String) });
    expect(new Date(body.timestamp).getTime()).toBe(Date.now());
  });
});

describe("/api/admin/goals", () => {
  const call = async (method: string, query = "", authorization: string | null = `Bearer ${SECRET}`) => {
    const response = await t.fetch(`/api/admin/goals${query}`, { method, headers: authorization === null ? {} : { Authorization: authorization } });
    return { status: response.status, body: await response.json() };
  };

  test("POST makes a goal (of an event, narrowed or not by props, or of pages), GET lists them, DELETE deletes one; behind the secret", async () => {
    expect((await call("GET", "", null)).status).toBe(401);
    expect((await call("POST", "?name=Sign-ups&event=Signup")).body).toMatchObject({ success: true, summary: { processed: 1 } });
    expect((await call("POST", `?name=${encodeURIComponent("Pro sign-ups")}&event=Signup&prop=plan:pro&prop=seats:2`)).body.message).toContain("plan = pro, seats = 2");
    expect((await call("POST", `?name=Docs&page=${encodeURIComponent("/docs/**")}`)).body.message).toContain("views of /docs/**");
    expect((await call("GET")).body).toMatchObject({
      success: true,
      goals: [
        { name: "Sign-ups", event: "Signup" },
        { name: "Pro sign-ups", event: "Signup", props: [{ key: "plan", value: "pro" }, { key: "seats", value: "2" }] },
        { name: "Docs", page: "/docs/**" },
      ],
    });
    expect((await call("DELETE", "?name=Sign-ups")).body).toMatchObject({ success: true, summary: { processed: 1 } });
    expect((await call("GET")).body.goals).toHaveLength(2);
  });

  test("a bad goal is a 400 saying why, and nothing is made", async () => {
    await call("POST", "?name=Sign-ups&event=Signup");
    expect(await call("POST", "?name=Sign-ups&event=Other")).toMatchObject({ status: 400, body: { success: false, error: expect.stringContaining("exists") } });
    expect(await call("POST", "?name=Views&event=pageview")).toMatchObject({ status: 400 });
    expect(await call("POST", "?name=X&event=Signup&prop=plan")).toMatchObject({ status: 400, body: { error: expect.stringContaining("key:value") } });
    expect(await call("POST", "?name=X")).toMatchObject({ status: 400, body: { error: expect.stringContaining("give event") } });
    expect(await call("POST", "?name=X&event=Signup&page=/a")).toMatchObject({ status: 400, body: { error: expect.stringContaining("give event") } });
    expect(await call("POST", "?name=X&page=blog")).toMatchObject({ status: 400, body: { error: expect.stringContaining('start with "/"') } });
    expect(await call("POST", "?name=X&event=Signup&colour=red")).toMatchObject({ status: 400 });
    expect((await call("GET")).body.goals).toHaveLength(1);
  });
});

describe("/api/admin/funnels", () => {
  const call = async (method: string, query = "", authorization: string | null = `Bearer ${SECRET}`) => {
    const response = await t.fetch(`/api/admin/funnels${query}`, { method, headers: authorization === null ? {} : { Authorization: authorization } });
    return { status: response.status, body: await response.json() };
  };

  test("POST makes a funnel of goals in order, GET lists them, DELETE deletes one; a bad one is a 400; behind the secret", async () => {
    await t.mutation(internal.stats.createGoal, { name: "Pricing", page: "/pricing" });
    await t.mutation(internal.stats.createGoal, { name: "Paid", event: "Purchase" });
    expect((await call("GET", "", null)).status).toBe(401);
    expect((await call("POST", "?name=Buy&step=Pricing&step=Paid")).body).toMatchObject({ success: true, message: 'Funnel "Buy": "Pricing" → "Paid"' });
    expect(await call("POST", "?name=Short&step=Pricing")).toMatchObject({ status: 400, body: { error: expect.stringContaining("2 to 8 steps") } });
    expect(await call("POST", "?name=Unknown&step=Pricing&step=Nope")).toMatchObject({ status: 400, body: { error: expect.stringContaining("no goal") } });
    expect((await call("GET")).body).toMatchObject({ success: true, funnels: [{ name: "Buy", steps: ["Pricing", "Paid"] }] });
    expect((await call("DELETE", "?name=Buy")).body).toMatchObject({ success: true, summary: { processed: 1 } });
    expect((await call("GET")).body.funnels).toEqual([]);
  });
});

describe("recountSampledPages", () => {
  test("an exception counting one page fails that page only; the others are counted", async () => {
    const sample: RecountSample = {
      backfill: null,
      foldedUpTo: 10n,
      pages: ["/a", "/broken", "/c"].map((path) => ({ path, pathStatsViews: 3, bucketViews: 3, retiredViews: 0 })),
      site: { counterViews: 9, bucketViews: 9 },
    };
    const ctx = {
      runQuery: async (_query: unknown, { path }: { path: string }) => {
        if (path === "/broken") throw new Error("read failed");
        return { rows: 3, retiredViews: 0, continueCursor: "", isDone: true };
      },
    } as unknown as GenericActionCtx<GenericDataModel>;

    expect(await recountSampledPages({ ctx, component: components.liveStats, sites: [] }, sample)).toEqual({
      items: [{ target: "page:/a" }, { target: "page:/broken", error: "counting its views failed: read failed" }, { target: "page:/c" }, { target: "site" }],
      skipped: 0,
    });
  });
});
