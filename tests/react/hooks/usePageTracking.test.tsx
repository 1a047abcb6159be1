import { StrictMode } from "react";
import { act, cleanup, render } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../../../convex/_generated/api";
import {
  COUNT_AUTOMATION_STORAGE_KEY,
  EXCLUDE_ME_STORAGE_KEY,
  HEARTBEAT_DEBOUNCE_MS,
  HEARTBEAT_INTERVAL_MS,
  SESSION_VIEWS_PER_MINUTE,
  type PageType,
} from "../../../src/shared/config";
import { usePageTracking } from "../../../src/react/hooks/usePageTracking";
import { ConvexTestBridge, ConvexTestProvider } from "../../support/testBridge";
import { blockLocalStorage } from "../../support/blockStorage";

const HEARTBEAT = "stats:heartbeat";
const RECORD = "stats:recordPageView";

function Tracker({ path, pageType = "post" }: { path: string; pageType?: PageType | null }) {
  usePageTracking(api.stats, { path, pageType });
  return null;
}

/** An app without a router: the tracker follows the browser's path itself. */
function BareTracker() {
  usePageTracking(api.stats);
  return null;
}

let bridge: ConvexTestBridge;

/** Lets in-flight mutations, query re-runs and tab messages finish. */
async function settle() {
  await act(async () => {
    await bridge.settled();
    await new Promise((resolve) => setImmediate(resolve));
    await bridge.settled();
  });
}

async function advance(ms: number) {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
  await settle();
}

// StrictMode at the root: inside Testing Library's `wrapper` React does not double-run effects.
function app(path: string, pageType?: PageType | null) {
  return (
    <StrictMode>
      <ConvexTestProvider bridge={bridge}>
        <Tracker path={path} pageType={pageType} />
      </ConvexTestProvider>
    </StrictMode>
  );
}

function mountTracker(path: string, pageType?: PageType | null) {
  const view = render(app(path, pageType));
  return { ...view, navigate: (to: string, type?: PageType | null) => view.rerender(app(to, type)) };
}

function setVisibility(state: DocumentVisibilityState) {
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
  document.dispatchEvent(new Event("visibilitychange"));
}

/** Lets the stats worker fold what was sent (this moves the fake clock a few seconds: call it last). */
async function runWorker() {
  await act(() => bridge.runWorker());
}

const heartbeatPaths = () => bridge.sent(HEARTBEAT).map((args) => args.currentPath);
/** Page views counted, once the worker has folded them. */
const totalViews = async () => {
  await runWorker();
  return (await bridge.t.query(api.stats.getPageViewStats, {})).totalPageViews;
};

beforeEach(() => {
  // setImmediate stays real: settle() uses it to let BroadcastChannel messages arrive.
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
  vi.setSystemTime(new Date("2025-06-01T12:00:00Z"));
  localStorage.clear();
  // happy-dom says it is automated (navigator.webdriver): these tests opt in as the e2e tests do.
  localStorage.setItem(COUNT_AUTOMATION_STORAGE_KEY, "true");
  setVisibility("visible");
  bridge = new ConvexTestBridge();
});

afterEach(async () => {
  cleanup();
  await settle();
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  history.replaceState(null, "", "/");
});

describe("page views", () => {
  test("StrictMode's double effects record one view", async () => {
    mountTracker("/hello");
    await settle();
    expect(bridge.sent(RECORD)).toHaveLength(1);
    expect(await totalViews()).toBe(1);
  });

  test("A → B → A within the dedup window is two views", async () => {
    const { navigate } = mountTracker("/a");
    await settle();
    navigate("/b");
    await settle();
    await advance(60_000);
    navigate("/a");
    await settle();
    expect(bridge.sent(RECORD).map((args) => args.path)).toEqual(["/a", "/b", "/a"]);
    expect(await totalViews()).toBe(2);
  });

  test("waits for the page to know its type, then records it", async () => {
    const { navigate } = mountTracker("/maybe-a-post", null);
    await settle();
    expect(bridge.sent(RECORD)).toHaveLength(0);
    navigate("/maybe-a-post", "not-found");
    await settle();
    expect(bridge.sent(RECORD)).toEqual([expect.objectContaining({ path: "/maybe-a-post", pageType: "not-found" })]);
  });

  test("keeps one random session id in localStorage across visits", async () => {
    mountTracker("/a");
    await settle();
    cleanup();
    mountTracker("/b");
    await settle();
    const [first, second] = bridge.sent(RECORD).map((args) => args.sessionId);
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(second).toBe(first);
    expect(document.cookie).toBe("");
  });

  test("without localStorage, tracks with a per-tab id that survives a remount", async () => {
    // The opt-in cannot be read without storage: be a person's browser.
    vi.spyOn(navigator, "webdriver", "get").mockReturnValue(false);
    localStorage.clear();
    const unblock = blockLocalStorage();
    try {
      mountTracker("/private");
      await settle();
      cleanup();
      mountTracker("/private-too");
      await settle();
    } finally {
      unblock();
    }
    const [first, second] = bridge.sent(RECORD).map((args) => args.sessionId);
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(second).toBe(first);
    expect(localStorage.length).toBe(0);
    expect(await totalViews()).toBe(2);
    expect(heartbeatPaths()).toEqual(["/private", "/private-too"]);
  });
});

describe("without a router", () => {
  function mountBare() {
    return render(
      <StrictMode>
        <ConvexTestProvider bridge={bridge}>
          <BareTracker />
        </ConvexTestProvider>
      </StrictMode>,
    );
  }
  /** Back or Forward: the browser moves to `url` (the History method the page's code would call is not), then says so. */
  function goBackTo(url: string) {
    History.prototype.replaceState.call(history, null, "", url);
    dispatchEvent(new PopStateEvent("popstate"));
  }

  test("records the browser's path, and each new one after pushState, replaceState and Back, as pages of type other", async () => {
    history.replaceState(null, "", "/start?utm_source=newsletter");
    mountBare();
    await settle();
    await act(async () => history.pushState(null, "", "/next"));
    await settle();
    // A new query string on the same page is no new view.
    await act(async () => history.pushState(null, "", "/next?tab=2"));
    await settle();
    await act(async () => history.replaceState(null, "", "/redirected"));
    await settle();
    await act(async () => goBackTo("/start"));
    await settle();
    expect(bridge.sent(RECORD).map(({ path, pageType }) => `${pageType} ${path}`)).toEqual(["other /start", "other /next", "other /redirected", "other /start"]);
    expect(heartbeatPaths()).toEqual(["/start", "/next", "/redirected", "/start"]);
    // Back on /start within the server's dedup window: sent, but counted once.
    expect(await totalViews()).toBe(3);
  });

  test("stops following once unmounted", async () => {
    history.replaceState(null, "", "/a");
    const { unmount } = mountBare();
    await settle();
    unmount();
    await act(async () => history.pushState(null, "", "/b"));
    await act(async () => goBackTo("/c"));
    await settle();
    expect(bridge.sent(RECORD).map(({ path }) => path)).toEqual(["/a"]);
  });

  test("a router's path, when given, is the one counted", async () => {
    history.replaceState(null, "", "/browser-path");
    const { navigate } = mountTracker("/router-path");
    await settle();
    await act(async () => history.pushState(null, "", "/elsewhere"));
    await settle();
    navigate("/router-next");
    await settle();
    expect(bridge.sent(RECORD).map(({ path }) => path)).toEqual(["/router-path", "/router-next"]);
  });
});

describe("the visit's context", () => {
  test("the first view of a load carries the referrer and the landing URL's UTM parameters; later views in the app do not", async () => {
    history.replaceState(null, "", "/landing?utm_source=newsletter&utm_medium=email&utm_campaign=launch");
    Object.defineProperty(document, "referrer", { configurable: true, get: () => "https://news.ycombinator.com/item?id=1" });
    try {
      const { navigate } = mountTracker("/landing");
      await settle();
      history.pushState(null, "", "/next");
      navigate("/next");
      await settle();
    } finally {
      Reflect.deleteProperty(document, "referrer");
    }
    const [first, second] = bridge.sent(RECORD).map((args) => args.visit);
    const browser = { screenWidth: innerWidth, language: navigator.language, userAgent: navigator.userAgent, timeZone: expect.any(String) };
    expect(first).toEqual({
      referrer: "https://news.ycombinator.com/item",
      utmSource: "newsletter",
      utmMedium: "email",
      utmCampaign: "launch",
      ...browser,
    });
    expect(second).toEqual(browser);
    expect(await totalViews()).toBe(2);
  });

  test("a view whose context the server refuses is sent again without it, and counts", async () => {
    history.replaceState(null, "", `/landing?utm_campaign=${"x".repeat(600)}`);
    mountTracker("/landing");
    await settle();
    expect(bridge.sent(RECORD)).toEqual([
      expect.objectContaining({ path: "/landing", visit: expect.objectContaining({ utmCampaign: expect.any(String) }) }),
      { path: "/landing", pageType: "post", sessionId: expect.any(String) },
    ]);
    expect(await totalViews()).toBe(1);
  });

  test("a view refused for anything but its context is not sent again: a bad path, or a rate limit", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const { navigate } = mountTracker("/not valid");
    await settle();
    expect(bridge.sent(RECORD)).toHaveLength(1);
    // SESSION_VIEWS_PER_MINUTE new pages in a minute are counted; the next is rate limited, and sent once.
    for (let page = 1; page <= SESSION_VIEWS_PER_MINUTE + 1; page++) {
      navigate(`/page-${page}`);
      await settle();
    }
    expect(bridge.sent(RECORD).map((args) => args.path)).toEqual([
      "/not valid",
      ...Array.from({ length: SESSION_VIEWS_PER_MINUTE + 1 }, (_, index) => `/page-${index + 1}`),
    ]);
    expect(await totalViews()).toBe(SESSION_VIEWS_PER_MINUTE);
  });
});

describe("what is never tracked", () => {
  test("a browser its owner excluded: no view, no heartbeat", async () => {
    localStorage.setItem(EXCLUDE_ME_STORAGE_KEY, "true");
    const { navigate } = mountTracker("/a");
    await settle();
    navigate("/b");
    await advance(2 * HEARTBEAT_INTERVAL_MS);
    expect(bridge.sent(RECORD)).toEqual([]);
    expect(bridge.sent(HEARTBEAT)).toEqual([]);
  });

  test("an automated browser that has not opted in", async () => {
    localStorage.removeItem(COUNT_AUTOMATION_STORAGE_KEY);
    expect(navigator.webdriver).toBe(true);
    mountTracker("/a");
    await advance(2 * HEARTBEAT_INTERVAL_MS);
    expect(bridge.sent(RECORD)).toEqual([]);
    expect(bridge.sent(HEARTBEAT)).toEqual([]);
  });

  test("the dashboard: no view of /stats, and no heartbeat while on it; the pages around it count", async () => {
    history.replaceState(null, "", "/stats?utm_source=newsletter");
    const { navigate } = mountTracker("/stats", "stats");
    await settle();
    await advance(HEARTBEAT_INTERVAL_MS);
    expect(bridge.sent(RECORD)).toEqual([]);
    expect(heartbeatPaths()).toEqual([]);

    navigate("/a");
    await settle();
    navigate("/stats/x", "stats");
    await settle();
    await advance(2 * HEARTBEAT_INTERVAL_MS);
    navigate("/a");
    await settle();
    expect(bridge.sent(RECORD).map((args) => args.path)).toEqual(["/a", "/a"]);
    expect(heartbeatPaths()).toEqual(["/a", "/a"]);
    // Landing on /stats used up the load's first view: the views after it send no referrer or UTM.
    for (const { visit } of bridge.sent(RECORD)) expect(visit).not.toHaveProperty("utmSource");
    await runWorker();
    expect(await bridge.t.query(api.stats.getActiveVisitors, {})).toEqual({ activeVisitors: 1, activeByPath: [{ path: "/a", title: "/a", count: 1 }] });
  });

  test("a tab on /stats hands the browser's heartbeats to its tab on a page", async () => {
    const reader = mountTracker("/a");
    await settle();
    await advance(1000);
    mountTracker("/stats", "stats");
    await settle();
    await advance(HEARTBEAT_INTERVAL_MS);
    expect(heartbeatPaths()).toEqual(["/a", "/a"]);
    reader.unmount();
  });
});

describe("heartbeats", () => {
  test("one at once, then every interval, and at once on a path change", async () => {
    const { navigate } = mountTracker("/a");
    await settle();
    expect(heartbeatPaths()).toEqual(["/a"]);
    await advance(HEARTBEAT_INTERVAL_MS - 1);
    expect(heartbeatPaths()).toEqual(["/a"]);
    await advance(1);
    expect(heartbeatPaths()).toEqual(["/a", "/a"]);
    navigate("/b");
    await settle();
    expect(heartbeatPaths()).toEqual(["/a", "/a", "/b"]);
    await runWorker();
    const active = await bridge.t.query(api.stats.getActiveVisitors, {});
    expect(active).toEqual({ activeVisitors: 1, activeByPath: [{ path: "/b", title: "/b", count: 1 }] });
  });

  test("are debounced per path", async () => {
    mountTracker("/a");
    await settle();
    for (let i = 0; i < 3; i++) {
      window.dispatchEvent(new Event("focus"));
      setVisibility("hidden");
      setVisibility("visible");
      await advance(1000);
    }
    expect(heartbeatPaths()).toEqual(["/a"]);
    await advance(HEARTBEAT_DEBOUNCE_MS);
    window.dispatchEvent(new Event("focus"));
    await settle();
    expect(heartbeatPaths()).toEqual(["/a", "/a"]);
  });

  test("never stack: path changes during a call collapse into one follow-up with the latest path", async () => {
    const { navigate } = mountTracker("/a");
    navigate("/b");
    navigate("/c");
    await settle();
    expect(heartbeatPaths()).toEqual(["/a", "/c"]);
  });

  test("pause while the tab is hidden and send one when it is visible again", async () => {
    mountTracker("/a");
    await settle();
    setVisibility("hidden");
    await advance(5 * HEARTBEAT_INTERVAL_MS);
    expect(heartbeatPaths()).toEqual(["/a"]);
    setVisibility("visible");
    await settle();
    expect(heartbeatPaths()).toEqual(["/a", "/a"]);
    await advance(HEARTBEAT_INTERVAL_MS);
    expect(heartbeatPaths()).toEqual(["/a", "/a", "/a"]);
  });

  test("stop on unmount", async () => {
    const { unmount } = mountTracker("/a");
    await settle();
    unmount();
    await advance(5 * HEARTBEAT_INTERVAL_MS);
    expect(heartbeatPaths()).toEqual(["/a"]);
  });

  test("swallow failures and wait for the next interval instead of retrying", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    // The server rejects this path, so every heartbeat fails.
    mountTracker("/not valid");
    await settle();
    expect(heartbeatPaths()).toEqual(["/not valid"]);
    await advance(HEARTBEAT_INTERVAL_MS - 1);
    expect(heartbeatPaths()).toHaveLength(1);
    await advance(1);
    expect(heartbeatPaths()).toHaveLength(2);
    expect(errors).not.toHaveBeenCalled();
    errors.mockRestore();
  });

  test("one stream per browser: the last tab to claim leads, and a closing leader hands over", async () => {
    const first = mountTracker("/first");
    await settle();
    await advance(1000);
    const second = mountTracker("/second");
    await settle();
    expect(heartbeatPaths()).toEqual(["/first", "/second"]);

    await advance(HEARTBEAT_INTERVAL_MS);
    expect(heartbeatPaths()).toEqual(["/first", "/second", "/second"]);

    second.unmount();
    await settle();
    expect(heartbeatPaths()).toEqual(["/first", "/second", "/second", "/first"]);
    await advance(HEARTBEAT_INTERVAL_MS);
    expect(heartbeatPaths()).toEqual(["/first", "/second", "/second", "/first", "/first"]);
    first.unmount();
  });
});
