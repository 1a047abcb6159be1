import { expect, test } from "vitest";
import { createTestConvex } from "../support/convex";
import { sessionId } from "../support/seed";

// The convex project patches convex-test's scans (tests/support/indexedTableScans.ts); queries must see what they always did.

test("table scans see committed, pending and deleted documents, and nothing of other tables", async () => {
  const t = createTestConvex();
  const row = (n: number) => ({ sessionId: sessionId(n), firstSeen: n });
  const [a, b] = await t.run(async (ctx) => [await ctx.db.insert("visitors", row(1)), await ctx.db.insert("visitors", row(2))]);
  await t.run((ctx) => ctx.db.insert("activePages", { path: "/other-table", visitors: 1 }));

  const seen = await t.run(async (ctx) => {
    await ctx.db.delete(a);
    await ctx.db.insert("visitors", row(3));
    await ctx.db.patch(b, { firstSeen: 20 });
    // Inside the transaction: its own writes, not yet committed.
    return (await ctx.db.query("visitors").collect()).map((v) => v.firstSeen);
  });
  expect(seen).toEqual([20, 3]);

  await expect(
    t.run(async (ctx) => {
      await ctx.db.insert("visitors", row(4));
      throw new Error("roll back");
    }),
  ).rejects.toThrow("roll back");

  const committed = await t.run(async (ctx) => (await ctx.db.query("visitors").withIndex("by_sessionId").collect()).map((v) => v.firstSeen));
  expect(committed).toEqual([20, 3]);
  expect(await t.run((ctx) => ctx.db.query("activePages").collect())).toMatchObject([{ path: "/other-table" }]);
});

test("index equality lookups follow inserts, patches of the indexed field, deletes and pending writes", async () => {
  const t = createTestConvex();
  const byPath = (path: string) =>
    t.run(async (ctx) => (await ctx.db.query("pathStats").withIndex("by_path", (q) => q.eq("path", path)).collect()).map((r) => r.views));
  const byViews = (views: number) =>
    t.run(async (ctx) => (await ctx.db.query("pathStats").withIndex("by_views", (q) => q.eq("views", views)).collect()).map((r) => r.path));

  const [a] = await t.run(async (ctx) => [
    await ctx.db.insert("pathStats", { path: "/a", pageType: "post", views: 1 }),
    await ctx.db.insert("pathStats", { path: "/b", pageType: "post", views: 1 }),
  ]);
  expect(await byViews(1)).toEqual(["/a", "/b"]);

  await t.run((ctx) => ctx.db.patch(a, { path: "/moved", views: 2 }));
  expect([await byPath("/a"), await byPath("/moved"), await byViews(1), await byViews(2)]).toEqual([[], [2], ["/b"], ["/moved"]]);

  const pending = await t.run(async (ctx) => {
    await ctx.db.insert("pathStats", { path: "/a", pageType: "post", views: 3 });
    await ctx.db.delete(a);
    return (await ctx.db.query("pathStats").withIndex("by_path", (q) => q.eq("path", "/a")).collect()).map((r) => r.views);
  });
  expect(pending).toEqual([3]);
  expect([await byPath("/a"), await byPath("/moved"), await byViews(2)]).toEqual([[3], [], []]);
});
