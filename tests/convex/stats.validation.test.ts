import { beforeEach, describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import { MAX_PATH_BYTES } from "../../src/shared/config";
import { createTestConvex, type TestConvex } from "../support/convex";
import { sessionId } from "../support/seed";
import { readTables } from "../support/tables";
import { heartbeat, pageViewArgs, viewPage } from "../support/calls";
import { useFakeClock, T0 } from "../support/clock";
import { settle } from "../support/worker";

useFakeClock(T0);

let t: TestConvex;
beforeEach(async () => {
  t = createTestConvex();
  // Some data already there, so "nothing written" is checked against a live deployment.
  await viewPage(t, 1, "/");
  await heartbeat(t, 1, "/");
  await settle(t);
});

/** Expects the call to be rejected as INVALID_ARGUMENT on `field`, leaving every table as it was. */
async function expectRejected(call: () => Promise<unknown>, field: string) {
  const before = await readTables(t);
  await expect(call()).rejects.toMatchObject({ data: { code: "INVALID_ARGUMENT", field } });
  expect(await readTables(t)).toEqual(before);
}

const BAD_PATHS: Record<string, string> = {
  "no leading slash": "about",
  empty: "",
  "a full URL": "https://example.com/about",
  "one byte too long": "/" + "a".repeat(MAX_PATH_BYTES),
  "short in UTF-16 but too long in UTF-8 (CJK)": "/" + "字".repeat(Math.ceil(MAX_PATH_BYTES / 3)),
  "short as sent but too long percent-encoded as a browser sends it (CJK)": "/" + "字".repeat(Math.ceil(MAX_PATH_BYTES / 9)),
  "far too long to be worth decoding": "/" + "%41".repeat(MAX_PATH_BYTES + 1),
  "protocol-relative (a link to another host)": "//evil.example/x",
  "a backslash (browsers read /\\host as another host)": "/\\evil.example",
  "a backslash further in": "/a\\b",
  "a zero-width space": "/a\u200bb",
  "a zero-width joiner": "/a\u200db",
  "a byte-order mark": "/\ufeffa",
  "a right-to-left override": "/a\u202eb",
  "a left-to-right isolate": "/a\u2066b",
  "a lone high surrogate": "/a\ud800b",
  "a lone low surrogate": "/a\udc00",
  "only a query": "?a=1",
  "a NUL": "/a\u0000b",
  "a newline": "/a\nb",
  "a tab": "/a\tb",
  "a space": "/a b",
  "a DEL": "/a\u007fb",
  "a C1 control (NEL)": "/a\u0085b",
  "a C1 control (CSI, starts terminal escapes)": "/a\u009b31mb",
  "a no-break space": "/a\u00a0b",
  "a line separator": "/a\u2028b",
};

const BAD_SESSION_IDS: Record<string, string> = {
  empty: "",
  "not a UUID": "visitor-1",
  "a version-1 UUID": "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
  "a UUID in braces": `{${sessionId(1)}}`,
  "a UUID with a trailing newline": `${sessionId(1)}\n`,
};

describe("recordPageView rejects bad input and writes nothing", () => {
  test.each(Object.entries(BAD_PATHS))("path with %s", async (_, path) => {
    await expectRejected(() => t.mutation(api.stats.recordPageView, { ...pageViewArgs(2, "/"), path }), "path");
  });

  test.each(Object.entries(BAD_SESSION_IDS))("sessionId: %s", async (_, badId) => {
    await expectRejected(() => t.mutation(api.stats.recordPageView, { ...pageViewArgs(2, "/"), sessionId: badId }), "sessionId");
  });

  test.each(["", "blog", "HOME", "home "])("pageType %j", async (pageType) => {
    await expectRejected(() => t.mutation(api.stats.recordPageView, { ...pageViewArgs(2, "/"), pageType }), "pageType");
  });
});

describe("heartbeat rejects bad input and writes nothing", () => {
  test.each(Object.entries(BAD_PATHS))("currentPath with %s", async (_, currentPath) => {
    await expectRejected(() => t.mutation(api.stats.heartbeat, { sessionId: sessionId(2), currentPath }), "currentPath");
  });

  test.each(Object.entries(BAD_SESSION_IDS))("sessionId: %s", async (_, badId) => {
    await expectRejected(() => t.mutation(api.stats.heartbeat, { sessionId: badId, currentPath: "/" }), "sessionId");
  });
});

describe("stats queries refuse ranges beyond the range of a Date as INVALID_ARGUMENT", () => {
  test.each([
    ["summary", { from: 1e20, to: 2e20 }, "from"],
    ["summary", { from: -1e20, to: T0 }, "from"],
    ["timeseries", { from: T0, to: 1e20, interval: "day" }, "to"],
    ["breakdown", { from: -1e20, to: 1e20, property: "page" }, "from"],
  ] as const)("%s %j", async (name, args, field) => {
    await expect(t.query(api.stats[name], args as never)).rejects.toMatchObject({ data: { code: "INVALID_ARGUMENT", field } });
  });
});

describe("what real browsers send is accepted", () => {
  test.each([
    ["the longest allowed path", "/" + "a".repeat(MAX_PATH_BYTES - 1)],
    // Counted as a browser sends it: 9 bytes a character, percent-encoded.
    ["the longest allowed path in CJK (%E5%AD%97 a character)", "/" + "字".repeat(Math.floor((MAX_PATH_BYTES - 1) / 9))],
    ["an emoji (a surrogate pair)", "/\u{1F600}"],
    ["a query string and fragment (dropped)", "/a?utm_source=x#top"],
    ["a percent-encoded path", "/caf%C3%A9/a%20b"],
    ["a trailing slash", "/hello-world/"],
    ["non-ASCII letters", "/café"],
  ])("%s", async (_, path) => {
    expect(await t.mutation(api.stats.recordPageView, { ...pageViewArgs(2, "/"), path })).toMatchObject({ recorded: true });
    await expect(t.mutation(api.stats.heartbeat, { sessionId: sessionId(2), currentPath: path })).resolves.toBeNull();
  });

  test("an upper-case UUID, as some browsers' randomUUID polyfills make", async () => {
    const upper = sessionId(2).toUpperCase();
    expect(await t.mutation(api.stats.recordPageView, { ...pageViewArgs(2, "/"), sessionId: upper })).toMatchObject({ recorded: true });
  });
});

describe("canonical forms: one page, one visitor", () => {
  test("a trailing slash, a query string and a fragment are the same page: one view, one page", async () => {
    const sent = ["/hello-world", "/hello-world/", "/hello-world?a", "/hello-world#x", "/hello-world//?b=2#y"];
    const answers = [];
    for (const path of sent) answers.push(await t.mutation(api.stats.recordPageView, { ...pageViewArgs(2, "/"), path }));
    expect(answers.map((a) => a.recorded)).toEqual([true, false, false, false, false]);
    await settle(t);
    const { totalPageViews, distinctPages, pageStats } = await t.query(api.stats.getPageViewStats, {});
    expect({ totalPageViews, distinctPages }).toEqual({ totalPageViews: 2, distinctPages: 2 });
    expect(pageStats.map((page) => page.path).sort()).toEqual(["/", "/hello-world"]);
  });

  test("the root keeps its slash", async () => {
    expect(await t.mutation(api.stats.recordPageView, { ...pageViewArgs(2, "/"), path: "/?q=1" })).toMatchObject({ recorded: true });
    expect(await t.mutation(api.stats.recordPageView, { ...pageViewArgs(2, "/"), path: "//" }).catch((e) => e.data.field)).toBe("path");
  });

  test("spellings of one path are one page: escaped unreserved letters, NFD or NFC, escaped or not, hex in either case", async () => {
    const spellings = {
      "/pricing": ["/pricing", "/%70ricing", "/pricin%67", "/%70%72%69%63%69%6E%67"],
      "/caf%C3%A9": ["/café", "/cafe\u0301", "/caf%C3%A9", "/caf%c3%a9", "/cafe%CC%81", "/caf%C3%A9/"],
      "/%E6%97%A5%E6%9C%AC": ["/日本", "/%E6%97%A5%E6%9C%AC", "/%e6%97%a5本"],
      '/say%22hi%22': ['/say"hi"', "/say%22hi%22"],
    };
    for (const [visitor, sent] of Object.values(spellings).flat().entries()) {
      await t.mutation(api.stats.recordPageView, { ...pageViewArgs(10 + visitor, "/"), path: sent });
    }
    await settle(t);
    const { pageStats } = await t.query(api.stats.getPageViewStats, {});
    const views = Object.fromEntries(pageStats.map((page) => [page.path, page.views]));
    expect(views).toEqual({ "/": 1, ...Object.fromEntries(Object.entries(spellings).map(([path, sent]) => [path, sent.length])) });
  });

  test("escapes that are not unreserved characters or UTF-8 stay escapes, in upper case; a stray % is %25", async () => {
    const canonical = async (visitor: number, path: string) => {
      await t.mutation(api.stats.recordPageView, { ...pageViewArgs(visitor, "/"), path });
      return (await t.runInStats((ctx) => ctx.db.query("pageViews").order("desc").first()))?.path;
    };
    expect(await canonical(2, "/a%2fb")).toBe("/a%2Fb");
    expect(await canonical(3, "/a%3f")).toBe("/a%3F");
    expect(await canonical(4, "/%ff%c3%a9")).toBe("/%FF%C3%A9");
    expect(await canonical(5, "/100%")).toBe("/100%25");
    // A stray % next to an escaped digit must not become an escape the next time round: canonical paths are canonical.
    expect(await canonical(6, "/a%%341")).toBe("/a%2541");
    // An escaped ">" is no "E" for a combining accent to compose with.
    expect(await canonical(7, "/a%3E\u0301")).toBe("/a%3E%CC%81");
  });

  test("four letter cases of one UUID are one visitor", async () => {
    const id = "6ba7b810-9dad-41d1-80b4-00c04fd430c8";
    const variants = [id, id.toUpperCase(), id.replace(/[a-f]/g, (c, i) => (i % 2 ? c.toUpperCase() : c)), id.replace(/[a-f]/g, (c, i) => (i % 2 ? c : c.toUpperCase()))];
    for (const [i, sessionId] of variants.entries()) {
      await t.mutation(api.stats.recordPageView, { path: `/case-${i}`, pageType: "post", sessionId });
    }
    await settle(t);
    const stats = await t.query(api.stats.getPageViewStats, {});
    // Visitor 1 from beforeEach, and the one behind the four spellings.
    expect(stats).toMatchObject({ totalPageViews: 5, uniqueVisitors: 2 });
    const visitors = await t.runInStats(async (ctx) => (await ctx.db.query("visitScopes").collect()).filter((row) => row.firstSeen !== undefined));
    expect(visitors.map((v) => v.sessionId)).toContain(id);
  });
});
