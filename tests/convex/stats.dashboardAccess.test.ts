import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { ConvexError } from "convex/values";
import { api, internal } from "../../convex/_generated/api";
import { SHARE_LINK_LABEL_MAX_CHARS } from "../../src/shared/config";
import { dashboardVisibility } from "../../src/component/read/dashboardAccess";
import { tokenHash } from "../../src/component/operate/shareLinks";
import { DAY, T0, useFakeClock } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { viewPage } from "../support/calls";
import { settle } from "../support/worker";

useFakeClock(T0);
let t: TestConvex;
beforeEach(() => {
  t = createTestConvex();
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0";
const range = { from: T0 - (T0 % DAY) - DAY, to: T0 - (T0 % DAY) + DAY };

/** Every query the dashboard reads, with `token` added when given. */
function dashboardReads(token?: string) {
  const withToken = <Args extends object>(args: Args) => (token === undefined ? args : { ...args, token });
  return {
    getStats: () => t.query(api.stats.getStats, withToken({})),
    getPageViewStats: () => t.query(api.stats.getPageViewStats, withToken({})),
    getActiveVisitors: () => t.query(api.stats.getActiveVisitors, withToken({})),
    listPageStats: () => t.query(api.stats.listPageStats, withToken({ paginationOpts: { numItems: 10, cursor: null } })),
    summary: () => t.query(api.stats.summary, withToken(range)),
    timeseries: () => t.query(api.stats.timeseries, withToken({ ...range, interval: "day" })),
    breakdown: () => t.query(api.stats.breakdown, withToken({ ...range, property: "page" })),
    dashboardStats: () => t.query(api.stats.dashboardStats, withToken({ range: { ...range, interval: "day", breakdowns: [{ property: "page" }] } })),
  };
}

/** The ConvexError code each dashboard read answers with: "ok" for figures. */
async function outcomes(token?: string): Promise<Record<string, string>> {
  const results: Record<string, string> = {};
  for (const [name, read] of Object.entries(dashboardReads(token))) {
    try {
      await read();
      results[name] = "ok";
    } catch (error) {
      results[name] = error instanceof ConvexError ? (error.data as { code: string }).code : String(error);
    }
  }
  return results;
}

const all = (outcome: string) => Object.fromEntries(Object.keys(dashboardReads()).map((name) => [name, outcome]));

async function createLink(label = "team") {
  return await t.action(internal.stats.createShareLink, { label });
}

describe("public (the default)", () => {
  test("every stats query answers without a token, and ignores one", async () => {
    await viewPage(t, 1, "/a");
    await settle(t);
    expect(await outcomes()).toEqual(all("ok"));
    expect(await outcomes("anything")).toEqual(all("ok"));
    expect((await t.query(api.stats.getStats, {})).totalPageViews).toBe(1);
    const { trackingSince } = await t.query(api.stats.getPageViewStats, {});
    expect(trackingSince).not.toBeNull();
    expect(await t.query(api.stats.settings, {})).toEqual({ timeZone: "UTC", currency: "USD", trackingSince, visibility: "public", canRead: true, detail: { minutesSince: 0, hoursSince: 0 } });
  });

  test("STATS_VISIBILITY: unset, blank and public are public; private and anything else is private", () => {
    for (const value of [undefined, "", " ", "public", "PUBLIC"]) expect(dashboardVisibility({ STATS_VISIBILITY: value })).toBe("public");
    for (const value of ["private", "Private", "privte", "yes"]) expect(dashboardVisibility({ STATS_VISIBILITY: value })).toBe("private");
  });
});

describe("private", () => {
  beforeEach(() => {
    vi.stubEnv("STATS_VISIBILITY", "private");
  });

  test("every stats query refuses a caller without a token, or with a wrong one", async () => {
    expect(await outcomes()).toEqual(all("PRIVATE_DASHBOARD"));
    expect(await outcomes("not-a-token")).toEqual(all("PRIVATE_DASHBOARD"));
    await expect(t.query(api.stats.getStats, {})).rejects.toThrow(/private/);
    expect(await t.query(api.stats.settings, {})).toEqual({ timeZone: "UTC", currency: "USD", trackingSince: null, visibility: "private", canRead: false, detail: { minutesSince: 0, hoursSince: 0 } });
  });

  test("a browser cannot vouch for itself: the app's queries take no `granted`, which only the app sends the component", async () => {
    const vouched = { granted: true } as unknown as Record<string, never>;
    await expect(t.query(api.stats.getStats, vouched)).rejects.toThrow(/granted/);
    await expect(t.query(api.stats.summary, { ...range, ...vouched })).rejects.toThrow(/granted/);
    await expect(t.query(api.stats.settings, vouched)).rejects.toThrow(/granted/);
  });

  test("a share link's token opens every stats query, until it is revoked", async () => {
    await viewPage(t, 1, "/a");
    await settle(t);
    const link = await createLink();
    expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(link.path).toBe(`/stats?token=${link.token}`);
    expect(await outcomes(link.token)).toEqual(all("ok"));
    expect((await t.query(api.stats.getStats, { token: link.token })).totalPageViews).toBe(1);
    const { trackingSince } = await t.query(api.stats.getPageViewStats, { token: link.token });
    expect(await t.query(api.stats.settings, { token: link.token })).toEqual({ timeZone: "UTC", currency: "USD", trackingSince, visibility: "private", canRead: true, detail: { minutesSince: 0, hoursSince: 0 } });

    const other = await createLink("board");
    expect(await t.mutation(internal.stats.revokeShareLink, { id: link.id })).toEqual({ revoked: true });
    expect(await outcomes(link.token)).toEqual(all("PRIVATE_DASHBOARD"));
    expect(await t.query(api.stats.settings, { token: link.token })).toMatchObject({ canRead: false });
    // Revoking one link leaves the others working; revoking it again says so.
    expect(await outcomes(other.token)).toEqual(all("ok"));
    expect(await t.mutation(internal.stats.revokeShareLink, { id: link.id })).toEqual({ revoked: false });
  });

  test("STATS_READ_TOKEN opens the stats too; unset or empty, it opens nothing", async () => {
    const readToken = "owner-secret-token-of-128-bits";
    expect(await outcomes("")).toEqual(all("PRIVATE_DASHBOARD"));
    vi.stubEnv("STATS_READ_TOKEN", readToken);
    expect(await outcomes(readToken)).toEqual(all("ok"));
    expect(await outcomes(readToken.slice(0, -1))).toEqual(all("PRIVATE_DASHBOARD"));
    vi.stubEnv("STATS_READ_TOKEN", "");
    expect(await outcomes("")).toEqual(all("PRIVATE_DASHBOARD"));
  });

  test("a STATS_READ_TOKEN with room for fewer than 128 random bits opens nothing, and the log says why", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const strong = ["Gq".repeat(11), "f".repeat(32), "7".repeat(39)];
    // 21 base64url characters (126 bits), 31 hex digits (124), 38 decimal digits (126), 18 base64url (108), and standard base64's + / = (not URL-safe).
    const weak = ["Gq".repeat(10) + "G", "f".repeat(31), "7".repeat(38), "owner-secret-token", `${"Gq".repeat(20)}+/==`];
    for (const token of strong) {
      vi.stubEnv("STATS_READ_TOKEN", token);
      expect(await outcomes(token)).toEqual(all("ok"));
    }
    expect(warn).not.toHaveBeenCalled();
    for (const token of weak) {
      vi.stubEnv("STATS_READ_TOKEN", token);
      expect(await outcomes(token)).toEqual(all("PRIVATE_DASHBOARD"));
      expect(await t.query(api.stats.settings, { token })).toMatchObject({ canRead: false });
    }
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^\[access\] STATS_READ_TOKEN opens nothing: it must hold at least 128 random bits.*openssl rand/));
    // A share link still opens it.
    const { token } = await createLink();
    expect(await outcomes(token)).toEqual(all("ok"));
  });

  test("recording stays open: the tracker's mutations and POST /api/event still count", async () => {
    await viewPage(t, 1, "/a");
    const response = await t.fetch("/api/event", {
      method: "POST",
      headers: { "Content-Type": "application/json", "User-Agent": FIREFOX },
      body: JSON.stringify({ type: "pageview", sessionId: "00000000-0000-4000-8000-000000000002", path: "/b" }),
    });
    expect(response.status).toBe(202);
    await settle(t);
    const { token } = await createLink();
    expect((await t.query(api.stats.getStats, { token })).totalPageViews).toBe(2);
  });
});

describe("share links", () => {
  test("are stored hashed: the table holds the token's SHA-256, never the token", async () => {
    const { token, id } = await createLink("team");
    const rows = await t.runInStats(async (ctx) => await ctx.db.query("shareLinks").collect());
    expect(rows).toHaveLength(1);
    expect(rows[0]._id).toBe(id);
    expect(rows[0].tokenHash).toBe(await tokenHash(token));
    expect(rows[0].tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  test("each token is new: 50 links, 50 different tokens", async () => {
    const tokens = new Set<string>();
    for (let i = 0; i < 50; i++) tokens.add((await createLink(`link ${i}`)).token);
    expect(tokens.size).toBe(50);
  });

  test("are listed newest first by label and creation time, without their hash", async () => {
    const first = await createLink("  team  ");
    vi.advanceTimersByTime(60_000);
    const second = await createLink("board");
    expect(await t.query(internal.stats.listShareLinks, {})).toEqual([
      { id: second.id, label: "board", createdAt: T0 + 60_000 },
      { id: first.id, label: "team", createdAt: T0 },
    ]);
  });

  test("need a label of 1 to 100 characters", async () => {
    for (const label of ["", "   ", "x".repeat(SHARE_LINK_LABEL_MAX_CHARS + 1)]) {
      await expect(createLink(label)).rejects.toThrow(/label must be 1 to 100 characters/);
    }
    expect(await t.query(internal.stats.listShareLinks, {})).toEqual([]);
  });
});
