import { expect, test } from "vitest";
import { createTestConvex } from "../support/convex";
import { sessionId } from "../support/seed";

// The convex project patches convex-test's table scan (tests/support/indexedTableScans.ts); queries must see what they always did.
test("queries see committed, pending and deleted documents exactly as before the patch", async () => {
  const t = createTestConvex();
  const row = (n: number) => ({ sessionId: sessionId(n), firstSeen: n });
  const [a, b] = await t.run(async (ctx) => [await ctx.db.insert("visitors", row(1)), await ctx.db.insert("visitors", row(2))]);
  await t.run((ctx) => ctx.db.insert("activePaths", { path: "/other-table" }));

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
  expect(await t.run((ctx) => ctx.db.query("activePaths").collect())).toMatchObject([{ path: "/other-table" }]);
});
