import { expect, test } from "vitest";
import { createTestConvex } from "../support/convex";

// The convex project patches convex-test's union validation (tests/support/literalUnionValidation.ts); it must accept and refuse what it did.

test("a union of literals accepts each of its values and refuses any other, of any type", async () => {
  const t = createTestConvex();
  for (const name of ["pageViews", "visitors", "paths", "liveSessions"] as const) {
    await t.runInStats((ctx) => ctx.db.insert("counters", { name, value: 1 }));
  }
  for (const name of ["pageviews", "", 1, null]) {
    await expect(t.runInStats((ctx) => ctx.db.insert("counters", { name: name as never, value: 1 }))).rejects.toThrow(/Validator error: Expected one of literal, literal, literal, literal/);
  }
  expect((await t.runInStats((ctx) => ctx.db.query("counters").collect())).map((row) => row.name)).toEqual(["pageViews", "visitors", "paths", "liveSessions"]);
});

test("a union with other members still tries them: null or an array for the backfill's cursor, nothing else", async () => {
  const t = createTestConvex();
  const status = (cursor: unknown) => ({ state: "running" as const, runId: 1, phase: "reset" as const, cursor: cursor as never, processed: 0, chunks: 0, startedAt: 0, updatedAt: 0 });
  await t.runInStats((ctx) => ctx.db.insert("backfillStatus", status(null)));
  await t.runInStats((ctx) => ctx.db.insert("backfillStatus", status([1, "a"])));
  await expect(t.runInStats((ctx) => ctx.db.insert("backfillStatus", status("a")))).rejects.toThrow(/Expected one of null, array/);
});
