import { expect, test } from "vitest";
import { createTestConvex } from "../support/convex";
import { sessionId } from "../support/seed";

// The convex project patches convex-test's scans (tests/support/indexedTableScans.ts); queries must see what they always did.

test("table scans see committed, pending and deleted documents, and nothing of other tables", async () => {
  const t = createTestConvex();
  const row = (n: number) => ({ sessionId: sessionId(n), firstSeen: n });
  const [a, b] = await t.runInStats(async (ctx) => [await ctx.db.insert("visitors", row(1)), await ctx.db.insert("visitors", row(2))]);
  await t.runInStats((ctx) => ctx.db.insert("activePages", { path: "/other-table", visitors: 1 }));

  const seen = await t.runInStats(async (ctx) => {
    await ctx.db.delete(a);
    await ctx.db.insert("visitors", row(3));
    await ctx.db.patch(b, { firstSeen: 20 });
    // Inside the transaction: its own writes, not yet committed.
    return (await ctx.db.query("visitors").collect()).map((v) => v.firstSeen);
  });
  expect(seen).toEqual([20, 3]);

  await expect(
    t.runInStats(async (ctx) => {
      await ctx.db.insert("visitors", row(4));
      throw new Error("roll back");
    }),
  ).rejects.toThrow("roll back");

  const committed = await t.runInStats(async (ctx) => (await ctx.db.query("visitors").withIndex("by_sessionId").collect()).map((v) => v.firstSeen));
  expect(committed).toEqual([20, 3]);
  expect(await t.runInStats((ctx) => ctx.db.query("activePages").collect())).toMatchObject([{ path: "/other-table" }]);
});

test("index equality lookups follow inserts, patches of the indexed field, deletes and pending writes", async () => {
  const t = createTestConvex();
  const byPath = (path: string) =>
    t.runInStats(async (ctx) => (await ctx.db.query("pathStats").withIndex("by_path", (q) => q.eq("path", path)).collect()).map((r) => r.views));
  const byViews = (views: number) =>
    t.runInStats(async (ctx) => (await ctx.db.query("pathStats").withIndex("by_views", (q) => q.eq("views", views)).collect()).map((r) => r.path));

  const [a] = await t.runInStats(async (ctx) => [
    await ctx.db.insert("pathStats", { path: "/a", pageType: "post", views: 1 }),
    await ctx.db.insert("pathStats", { path: "/b", pageType: "post", views: 1 }),
  ]);
  expect(await byViews(1)).toEqual(["/a", "/b"]);

  await t.runInStats((ctx) => ctx.db.patch(a, { path: "/moved", views: 2 }));
  expect([await byPath("/a"), await byPath("/moved"), await byViews(1), await byViews(2)]).toEqual([[], [2], ["/b"], ["/moved"]]);

  const pending = await t.runInStats(async (ctx) => {
    await ctx.db.insert("pathStats", { path: "/a", pageType: "post", views: 3 });
    await ctx.db.delete(a);
    return (await ctx.db.query("pathStats").withIndex("by_path", (q) => q.eq("path", "/a")).collect()).map((r) => r.views);
  });
  expect(pending).toEqual([3]);
  expect([await byPath("/a"), await byPath("/moved"), await byViews(2)]).toEqual([[3], [], []]);
});

test("index lookups inside a transaction see its own writes, including those a patch moved between groups", async () => {
  const t = createTestConvex();
  const b = await t.runInStats((ctx) => ctx.db.insert("pathStats", { path: "/b", pageType: "post", views: 1 }));
  const seen = await t.runInStats(async (ctx) => {
    const byViews = async (views: number) => (await ctx.db.query("pathStats").withIndex("by_views", (q) => q.eq("views", views)).collect()).map((r) => r.path);
    const byPath = async (path: string) => (await ctx.db.query("pathStats").withIndex("by_path", (q) => q.eq("path", path)).collect()).map((r) => r.views);
    const a = await ctx.db.insert("pathStats", { path: "/a", pageType: "post", views: 1 });
    const first = await byViews(1);
    await ctx.db.patch(a, { views: 5 });
    await ctx.db.patch(b, { views: 5, path: "/c" });
    const ranged = (await ctx.db.query("pathStats").withIndex("by_views", (q) => q.eq("views", 5).gt("path", "/a")).collect()).map((r) => r.path);
    return { first, ones: await byViews(1), fives: await byViews(5), ranged, b: await byPath("/b"), c: await byPath("/c") };
  });
  expect(seen).toEqual({ first: ["/a", "/b"], ones: [], fives: ["/a", "/c"], ranged: ["/c"], b: [], c: [5] });
});

test("an index read before a few commits orders what they changed: moves within, into and out of a group, deletes and inserts", async () => {
  const t = createTestConvex();
  const path = (i: number) => `/p${String(i).padStart(2, "0")}`;
  const ids = await t.runInStats((ctx) => Promise.all(Array.from({ length: 80 }, (_, i) => ctx.db.insert("pathStats", { path: path(i), pageType: "post", views: i % 2 }))));
  const read = () =>
    t.runInStats(async (ctx) => ({
      all: (await ctx.db.query("pathStats").withIndex("by_views").collect()).map((r) => `${r.views} ${r.path}`),
      zeros: (await ctx.db.query("pathStats").withIndex("by_views", (q) => q.eq("views", 0)).collect()).map((r) => r.path),
    }));
  await read();

  await t.runInStats((ctx) => ctx.db.patch(ids[10], { path: "/a" }));
  await t.runInStats((ctx) => ctx.db.patch(ids[1], { views: 0 }));
  await t.runInStats((ctx) => ctx.db.patch(ids[2], { views: 9 }));
  await t.runInStats((ctx) => ctx.db.delete(ids[4]));
  await t.runInStats((ctx) => ctx.db.insert("pathStats", { path: "/z", pageType: "post", views: 0 }));

  const rows = await t.runInStats((ctx) => ctx.db.query("pathStats").collect());
  const sorted = rows.sort((a, b) => a.views - b.views || (a.path < b.path ? -1 : 1));
  expect(await read()).toEqual({
    all: sorted.map((r) => `${r.views} ${r.path}`),
    zeros: sorted.filter((r) => r.views === 0).map((r) => r.path),
  });
  expect(sorted.filter((r) => r.views === 0).map((r) => r.path).slice(0, 3)).toEqual(["/a", "/p00", "/p01"]);
});
