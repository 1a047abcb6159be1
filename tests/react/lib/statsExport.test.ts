import { describe, expect, test } from "vitest";
import { exportUrl, httpActionsUrl } from "../../../src/react/lib/statsExport";

describe("httpActionsUrl", () => {
  test("VITE_CONVEX_SITE_URL when set (convex dev and deploy write it; the emulator's builds set it)", () => {
    expect(httpActionsUrl({ VITE_CONVEX_SITE_URL: "http://127.0.0.1:3211/", VITE_CONVEX_URL: "http://127.0.0.1:3210" })).toBe("http://127.0.0.1:3211");
  });

  test("else the deployment URL with .cloud → .site, as on Convex cloud", () => {
    expect(httpActionsUrl({ VITE_CONVEX_URL: "https://happy-otter-123.convex.cloud" })).toBe("https://happy-otter-123.convex.site");
    expect(httpActionsUrl({ VITE_CONVEX_URL: "https://happy-otter-123.convex.cloud/" })).toBe("https://happy-otter-123.convex.site");
  });

  test("else nothing: a local URL says nothing of its HTTP actions' port", () => {
    expect(httpActionsUrl({ VITE_CONVEX_URL: "http://127.0.0.1:3210" })).toBeNull();
    expect(httpActionsUrl({})).toBeNull();
    expect(httpActionsUrl({ VITE_CONVEX_SITE_URL: " " })).toBeNull();
  });
});

test("exportUrl asks for every table of the range, in the chart's interval, with each filter as the dashboard's URL writes it, and the token", () => {
  const filters = [
    { property: "source", op: "is", value: "Hacker News" },
    { property: "country", op: "isNot", value: "FR" },
  ] as const;
  const url = new URL(exportUrl("https://x.convex.site", { from: 1, to: 2, interval: "hour", filters, token: "abc_-" }));
  expect(url.origin + url.pathname).toBe("https://x.convex.site/api/export");
  expect([...url.searchParams]).toEqual([
    ["property", "all"],
    ["from", "1"],
    ["to", "2"],
    ["interval", "hour"],
    ["filter", "source:Hacker News"],
    ["filter", "country!:FR"],
    ["token", "abc_-"],
  ]);
  const plain = new URL(exportUrl("https://x.convex.site", { from: 1, to: 2, interval: "day", filters: [], token: null })).searchParams;
  expect(plain.has("token") || plain.has("filter")).toBe(false);
});
