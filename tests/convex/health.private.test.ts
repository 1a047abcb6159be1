import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { internal } from "../../convex/_generated/api";
import { backfillStatus, muteBackfillLogs, startBackfill } from "../support/backfill";
import { runCleanup } from "../support/calls";
import { T0, useFakeClock } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { insertLegacyData } from "../support/seed";
import { nextWorkerBatch } from "../support/worker";

// GET /api/health of a private dashboard (prds/private.md): a monitor learns whether the checks pass, a stranger
// learns nothing of the traffic (no counts, ages or timestamps); the read token or a share link's shows the details.

useFakeClock(T0);
const READ_TOKEN = "dGhlIG93bmVyJ3MgcmVhZCB0b2tlbiwgMzIgYnl0ZXM";
beforeEach(() => {
  muteBackfillLogs();
  vi.stubEnv("STATS_VISIBILITY", "private");
  vi.stubEnv("STATS_READ_TOKEN", READ_TOKEN);
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

// More than two worker batches of the backfill (BACKFILL_ROWS_PER_BATCH rows each), so it is still walking views.
const VIEWS = 2_500;

/** A private site whose backfill is under way, past its reset, with views and visits walked so far. */
async function siteRebuilding(): Promise<TestConvex> {
  const t = createTestConvex();
  await insertLegacyData(t, { views: VIEWS, sessions: 60, paths: 9, liveSessions: 3, idleSessions: 2, now: T0 });
  await runCleanup(t);
  await startBackfill(t);
  for (let batch = 0; batch < 2; batch++) await nextWorkerBatch(t);
  return t;
}

async function health(t: TestConvex, init: RequestInit = {}, query = "") {
  const response = await t.fetch(`/api/health${query}`, init);
  return { status: response.status, text: await response.text() };
}

describe("GET /api/health of a private dashboard", () => {
  test("without a token: whether each check passed and that a backfill runs, but no count, age or timestamp", async () => {
    const t = await siteRebuilding();
    expect(await backfillStatus(t)).toMatchObject({ state: "running", phase: "pageViews" });
    const { status, text } = await health(t);
    expect(status).toBe(200);
    expect(JSON.parse(text)).toEqual({
      healthy: true,
      private: true,
      reasons: [],
      checks: { rules: { ok: true }, worker: { ok: true }, backfill: { ok: true, state: "running" }, cleanup: { ok: true }, retention: { ok: true }, rollup: { ok: true } },
    });
    expect(text).not.toMatch(/\d/);
  });

  test("with a wrong token, the same", async () => {
    const t = await siteRebuilding();
    const { text } = await health(t, { headers: { Authorization: "Bearer not-the-token" } });
    expect(JSON.parse(text)).toMatchObject({ private: true });
    expect(text).not.toMatch(/\d/);
  });

  test("a failing check is named, without its figures", async () => {
    const t = createTestConvex();
    const { status, text } = await health(t);
    expect(status).toBe(503);
    expect(JSON.parse(text)).toMatchObject({ healthy: false, private: true, checks: { cleanup: { ok: false } } });
    expect(JSON.parse(text).reasons[0]).toBe("the cleanup cron has not run recently");
    expect(text).not.toMatch(/\d/);
  });

  test("STATS_READ_TOKEN (a bearer) or a share link's token (?token=) shows every detail", async () => {
    const t = await siteRebuilding();
    const owner = JSON.parse((await health(t, { headers: { Authorization: `Bearer ${READ_TOKEN}` } })).text);
    expect(owner.checks.backfill.message).toMatch(/rows so far/);
    expect(owner).toMatchObject({ checkedAt: Date.now(), checks: { worker: { lagMs: expect.any(Number) } } });
    const { token } = await t.action(internal.stats.createShareLink, { label: "team" });
    const shared = JSON.parse((await health(t, {}, `?token=${token}`)).text);
    expect(shared.checks.backfill.message).toMatch(/rows so far/);
  });
});
