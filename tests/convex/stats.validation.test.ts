import { beforeEach, describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import { MAX_PATH_LENGTH } from "../../convex/model/config";
import { createTestConvex, type TestConvex } from "../support/convex";
import { sessionId } from "../support/seed";
import { readTables } from "../support/tables";
import { heartbeat, pageViewArgs, viewPage } from "../support/calls";

let t: TestConvex;
beforeEach(async () => {
  t = createTestConvex();
  // Some data already there, so "nothing written" is checked against a live deployment.
  await viewPage(t, 1, "/");
  await heartbeat(t, 1, "/");
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
  "one character too long": "/" + "a".repeat(MAX_PATH_LENGTH),
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

describe("what real browsers send is accepted", () => {
  test.each([
    ["the longest allowed path", "/" + "a".repeat(MAX_PATH_LENGTH - 1)],
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
