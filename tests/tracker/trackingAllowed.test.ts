import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { COUNT_AUTOMATION_STORAGE_KEY, EXCLUDE_ME_STORAGE_KEY } from "../../src/shared/config";
import { isLocalHost, shouldTrack } from "../../src/tracker/trackingAllowed";
import { blockLocalStorage } from "../support/blockStorage";

const CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const HEADLESS = CHROME.replace("Chrome/", "HeadlessChrome/");

function browser({ webdriver = false, userAgent = CHROME } = {}) {
  vi.spyOn(navigator, "webdriver", "get").mockReturnValue(webdriver);
  vi.spyOn(navigator, "userAgent", "get").mockReturnValue(userAgent);
}

beforeEach(() => {
  localStorage.clear();
  browser();
});

afterEach(() => {
  vi.restoreAllMocks();
  localStorage.clear();
});

describe("shouldTrack", () => {
  test("a person's browser on a site page is tracked", () => {
    for (const path of ["/", "/hello-world", "/statistics", "/about/stats"]) expect(shouldTrack(path), path).toBe(true);
  });

  test("never the dashboard, nor below it, in any case", () => {
    for (const path of ["/stats", "/stats/", "/stats/anything", "/Stats", "/STATS/x"]) expect(shouldTrack(path), path).toBe(false);
  });

  test("not a browser whose owner excluded it", () => {
    localStorage.setItem(EXCLUDE_ME_STORAGE_KEY, "true");
    expect(shouldTrack("/")).toBe(false);
    localStorage.setItem(EXCLUDE_ME_STORAGE_KEY, "false");
    expect(shouldTrack("/")).toBe(true);
  });

  test("not an automated browser, unless it opted in", () => {
    browser({ webdriver: true });
    expect(shouldTrack("/")).toBe(false);
    browser({ userAgent: HEADLESS });
    expect(shouldTrack("/")).toBe(false);
    localStorage.setItem(COUNT_AUTOMATION_STORAGE_KEY, "true");
    expect(shouldTrack("/")).toBe(true);
    browser({ webdriver: true, userAgent: HEADLESS });
    expect(shouldTrack("/")).toBe(true);
    // Opting in counts its views, not the dashboard's, and the owner's switch still wins.
    expect(shouldTrack("/stats")).toBe(false);
    localStorage.setItem(EXCLUDE_ME_STORAGE_KEY, "true");
    expect(shouldTrack("/")).toBe(false);
  });

  test("where localStorage throws, a person's browser is tracked and an automated one is not", () => {
    const unblock = blockLocalStorage();
    try {
      expect(shouldTrack("/")).toBe(true);
      browser({ webdriver: true });
      expect(shouldTrack("/")).toBe(false);
    } finally {
      unblock();
    }
  });
});

test("isLocalHost: a developer's own machine, not a site that merely looks like one", () => {
  for (const host of ["localhost", "127.0.0.1", "127.1.2.3", "[::1]"]) expect(isLocalHost(host), host).toBe(true);
  for (const host of ["example.com", "localhost.example.com", "127.0.0.1.example.com", "10.0.0.1", "192.168.1.2", ""]) expect(isLocalHost(host), host).toBe(false);
});
