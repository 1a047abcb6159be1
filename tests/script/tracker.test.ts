/**
 * @vitest-environment happy-dom
 * @vitest-environment-options {"url": "https://blog.example/"}
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import {
  COUNT_AUTOMATION_STORAGE_KEY,
  EXCLUDE_ME_STORAGE_KEY,
  HEARTBEAT_DEBOUNCE_MS,
  HEARTBEAT_INTERVAL_MS,
} from "../../src/shared/config";
import { FILE_DOWNLOAD_EVENT, NOT_FOUND_EVENT, OUTBOUND_LINK_EVENT } from "../../src/tracker/customEvents";
import { loadSession } from "../../src/tracker/session";
import { startTracking, type ScriptOptions } from "../../src/script/tracker";
import { clickLink } from "../tracker/clicks";
import { goBackTo, liveStats, loadScriptTag, runQueueStub, scriptTagPage, setVisibility } from "./scriptTag";

const API = "https://happy-animal-123.convex.site";
const ENDPOINT = `${API}/api/event`;

let page: ReturnType<typeof scriptTagPage>;

const paths = (type: "pageview" | "heartbeat") => page.events().filter((event) => event.type === type).map((event) => event.path);
const views = () => paths("pageview");
const heartbeats = () => paths("heartbeat");
const customEvents = () => page.events().filter((event) => event.type === "event");

/** Lets sent requests and their responses settle. */
const settle = () => vi.advanceTimersByTimeAsync(0);
const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

async function start(options: Omit<ScriptOptions, "api"> = {}) {
  startTracking({ api: API, ...options });
  await settle();
}

function arrive(url: string, referrer = "") {
  history.replaceState(null, "", url);
  Object.defineProperty(document, "referrer", { configurable: true, get: () => referrer });
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  vi.setSystemTime(new Date("2026-11-20T12:00:00Z"));
  localStorage.clear();
  // happy-dom is automated (navigator.webdriver): opt in, as the React tracker's tests do.
  localStorage.setItem(COUNT_AUTOMATION_STORAGE_KEY, "true");
  setVisibility("visible");
  arrive("/");
  page = scriptTagPage();
});

afterEach(() => {
  page.restore();
  vi.clearAllTimers();
  vi.useRealTimers();
  Reflect.deleteProperty(document, "referrer");
});

describe("page views", () => {
  test("the first view carries the visit's fields: referrer and UTM on it only, never the user agent", async () => {
    arrive("/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=launch", "https://news.ycombinator.com/item?id=1");
    await start();
    history.pushState(null, "", "/docs");
    await settle();
    const [first, second] = page.events().filter((event) => event.type === "pageview");
    const browser = { screenWidth: innerWidth, language: navigator.language, timeZone: expect.any(String) };
    expect(first).toEqual({
      type: "pageview",
      sessionId: loadSession().id,
      path: "/pricing",
      visit: { referrer: "https://news.ycombinator.com/item", utmSource: "newsletter", utmMedium: "email", utmCampaign: "launch", ...browser },
    });
    expect(second).toEqual({ type: "pageview", sessionId: loadSession().id, path: "/docs", visit: browser });
  });

  test("sent as text/plain with no custom header (no CORS preflight), kept alive past the page's unload", async () => {
    await start();
    const [{ url, init }] = page.sent;
    expect(url).toBe(ENDPOINT);
    expect(init).toMatchObject({ method: "POST", keepalive: true });
    expect(init?.headers).toBeUndefined();
    expect(new Request(url, init).headers.get("Content-Type")).toBe("text/plain;charset=UTF-8");
  });

  test("pushState, replaceState and popstate: a view per new path, none for the same path again", async () => {
    await start();
    history.pushState(null, "", "/a");
    history.pushState(null, "", "/a?tab=2");
    history.replaceState(null, "", "/b");
    history.replaceState(null, "", "/b#section");
    goBackTo("/a");
    goBackTo("/a");
    await settle();
    expect(views()).toEqual(["/", "/a", "/b", "/a"]);
  });

  test("a new path sends a heartbeat at once, as the React tracker's stream does", async () => {
    await start();
    await advance(1000);
    history.pushState(null, "", "/a");
    await settle();
    expect(heartbeats()).toEqual(["/", "/a"]);
  });

  test("the session id is loadSession's, in the React tracker's localStorage key: one browser is one visitor on both", async () => {
    const reactTrackerSession = loadSession();
    await start();
    for (const event of page.events()) expect(event.sessionId).toBe(reactTrackerSession.id);
    expect(document.cookie).toBe("");
  });
});

describe("hash routing", () => {
  test("opted in: the route in the hash is the path, on hashchange too", async () => {
    arrive("/#/about");
    await start({ hashRouting: true });
    history.pushState(null, "", "/#/team?x=1");
    location.hash = "#/jobs";
    window.dispatchEvent(new HashChangeEvent("hashchange"));
    history.pushState(null, "", "/app/#/settings");
    history.pushState(null, "", "/app/#top");
    await settle();
    expect(views()).toEqual(["/about", "/team", "/jobs", "/app/settings", "/app/"]);
  });

  test("not opted in: a hash is an anchor on the same page", async () => {
    arrive("/docs");
    await start();
    location.hash = "#/about";
    window.dispatchEvent(new HashChangeEvent("hashchange"));
    history.pushState(null, "", "/docs#install");
    await settle();
    expect(views()).toEqual(["/docs"]);
  });
});

describe("heartbeats", () => {
  const heartbeatTimes = () => page.sent.filter(({ event }) => event.type === "heartbeat").map(({ via, at }) => ({ via, at }));

  test("every minute while visible: one at once, the next HEARTBEAT_INTERVAL_MS later (60 s, was 30 s), not before", async () => {
    expect(HEARTBEAT_INTERVAL_MS).toBe(60_000);
    await start();
    await advance(HEARTBEAT_INTERVAL_MS - 1);
    expect(heartbeats()).toEqual(["/"]);
    await advance(1);
    expect(heartbeats()).toEqual(["/", "/"]);
    await advance(2 * HEARTBEAT_INTERVAL_MS);
    expect(heartbeats()).toEqual(["/", "/", "/", "/"]);
  });

  test("one as the tab hides (the time read until then, kept alive), none while hidden, one at once when shown again", async () => {
    await start();
    await advance(HEARTBEAT_INTERVAL_MS + 20_000);
    expect(heartbeats()).toEqual(["/", "/"]);
    setVisibility("hidden");
    await settle();
    expect(heartbeats()).toEqual(["/", "/", "/"]);
    expect(page.sent.at(-1)).toMatchObject({ via: "fetch", init: { keepalive: true }, event: { type: "heartbeat", path: "/" } });
    await advance(5 * HEARTBEAT_INTERVAL_MS);
    expect(heartbeats()).toHaveLength(3);
    setVisibility("visible");
    await settle();
    expect(heartbeats()).toHaveLength(4);
    await advance(HEARTBEAT_INTERVAL_MS);
    expect(heartbeats()).toHaveLength(5);
  });

  test("the beat as the tab hides is debounced: none within HEARTBEAT_DEBOUNCE_MS of the last beat on the same path", async () => {
    await start();
    await advance(HEARTBEAT_DEBOUNCE_MS - 1);
    setVisibility("hidden");
    await settle();
    expect(heartbeats()).toEqual(["/"]);
    setVisibility("visible");
    await advance(HEARTBEAT_DEBOUNCE_MS);
    setVisibility("hidden");
    await settle();
    expect(heartbeats()).toEqual(["/", "/"]);
  });

  test("leaving: one last heartbeat, by keepalive fetch as the page hides, the pagehide after it sending none", async () => {
    await start();
    const loaded = Date.now();
    await advance(50_000);
    setVisibility("hidden");
    window.dispatchEvent(new PageTransitionEvent("pagehide"));
    await settle();
    expect(heartbeatTimes()).toEqual([
      { via: "fetch", at: loaded },
      { via: "fetch", at: loaded + 50_000 },
    ]);
  });

  test("leaving a page still visible (pagehide with no visibilitychange first): the last heartbeat by sendBeacon, and a hide after it is not a second", async () => {
    await start();
    await advance(HEARTBEAT_INTERVAL_MS / 2);
    window.dispatchEvent(new PageTransitionEvent("pagehide"));
    expect(page.sent.at(-1)).toMatchObject({ via: "beacon", url: ENDPOINT, event: { type: "heartbeat", sessionId: loadSession().id, path: "/" } });
    setVisibility("hidden");
    await settle();
    expect(heartbeats()).toEqual(["/", "/"]);
  });

  test("no last heartbeat from a tab closed in the background (its reader left when it was hidden, and it sent one then)", async () => {
    await start();
    await advance(30_000);
    setVisibility("hidden");
    await advance(10 * HEARTBEAT_INTERVAL_MS);
    window.dispatchEvent(new PageTransitionEvent("pagehide"));
    await settle();
    expect(heartbeatTimes().map(({ via }) => via)).toEqual(["fetch", "fetch"]);
  });
});

describe("custom events: window.liveStats", () => {
  test("sends the event from the current path in the visitor's session, as text/plain kept alive like the views", async () => {
    await start();
    history.pushState(null, "", "/checkout?step=2");
    liveStats("Purchase", { props: { plan: "pro", seats: 3, trial: false }, revenue: { amount: "29.99", currency: "EUR" } });
    liveStats("Signup");
    await settle();
    expect(customEvents()).toEqual([
      {
        type: "event",
        sessionId: loadSession().id,
        name: "Purchase",
        path: "/checkout",
        props: { plan: "pro", seats: 3, trial: false },
        revenue: { amount: "29.99", currency: "EUR" },
      },
      { type: "event", sessionId: loadSession().id, name: "Signup", path: "/checkout" },
    ]);
    const { url, init } = page.sent.at(-1)!;
    expect(url).toBe(ENDPOINT);
    expect(init).toMatchObject({ method: "POST", keepalive: true });
    expect(new Request(url, init).headers.get("Content-Type")).toBe("text/plain;charset=UTF-8");
  });

  test("calls made before the script loaded, queued by the documented stub, are sent after the first view, in order", async () => {
    runQueueStub();
    liveStats("Early", { props: { n: 1 } });
    liveStats("Earlier still?", { props: { n: 2 } });
    expect(page.sent).toEqual([]);
    await start();
    expect(page.events().map((event) => (event.type === "event" ? event.name : event.type))).toEqual(["pageview", "heartbeat", "Early", "Earlier still?"]);
    // The stub is replaced: a call now is sent at once, the queue is not replayed again.
    liveStats("Later");
    await settle();
    expect(customEvents().map((event) => event.name)).toEqual(["Early", "Earlier still?", "Later"]);
  });

  test("options the server does not take, or none at all, never throw into the page", async () => {
    await start();
    const call = liveStats as (...args: unknown[]) => void;
    expect(() => call("A", null)).not.toThrow();
    expect(() => call("B", { callback: () => {}, interactive: false })).not.toThrow();
    await settle();
    expect(customEvents()).toEqual([
      { type: "event", sessionId: loadSession().id, name: "A", path: "/" },
      { type: "event", sessionId: loadSession().id, name: "B", path: "/" },
    ]);
  });

  test("the hash route is the event's path, as it is the view's", async () => {
    arrive("/#/cart");
    await start({ hashRouting: true });
    liveStats("Add to cart");
    await settle();
    expect(customEvents().map((event) => event.path)).toEqual(["/cart"]);
  });
});

describe("automatic events", () => {
  test("outbound links: a click on a link to another host sends its url, kept alive so leaving the page does not lose it", async () => {
    arrive("/links");
    await start({ outboundLinks: true });
    clickLink("https://github.com/get-convex/convex?tab=readme");
    clickLink("/about");
    await settle();
    expect(customEvents()).toEqual([
      { type: "event", sessionId: loadSession().id, name: OUTBOUND_LINK_EVENT, path: "/links", props: { url: "https://github.com/get-convex/convex" } },
    ]);
    expect(page.sent.at(-1)?.init).toMatchObject({ keepalive: true });
  });

  test("file downloads: a click on a link to a file sends its url", async () => {
    await start({ fileDownloads: true });
    clickLink("/files/annual-report.pdf");
    clickLink("https://github.com/");
    await settle();
    expect(customEvents()).toEqual([
      { type: "event", sessionId: loadSession().id, name: FILE_DOWNLOAD_EVENT, path: "/", props: { url: "https://blog.example/files/annual-report.pdf" } },
    ]);
  });

  test("404: the not-found page sends 404 with its path, once, after its view", async () => {
    arrive("/no-such-page?from=old-link");
    await start({ notFound: true });
    history.pushState(null, "", "/elsewhere");
    await settle();
    expect(page.events().map((event) => (event.type === "event" ? event.name : event.type))).toEqual(["pageview", "heartbeat", NOT_FOUND_EVENT, "pageview", "heartbeat"]);
    expect(customEvents()).toEqual([{ type: "event", sessionId: loadSession().id, name: NOT_FOUND_EVENT, path: "/no-such-page", props: { path: "/no-such-page" } }]);
  });

  test("none unless turned on", async () => {
    await start();
    clickLink("https://github.com/");
    clickLink("/files/annual-report.pdf");
    await settle();
    expect(customEvents()).toEqual([]);
  });
});

describe("what is never sent", () => {
  test("anything from a browser its owner excluded, decided at each event", async () => {
    localStorage.setItem(EXCLUDE_ME_STORAGE_KEY, "true");
    await start({ outboundLinks: true, notFound: true });
    history.pushState(null, "", "/a");
    liveStats("Signup");
    clickLink("https://github.com/");
    await advance(2 * HEARTBEAT_INTERVAL_MS);
    window.dispatchEvent(new PageTransitionEvent("pagehide"));
    expect(page.sent).toEqual([]);
    localStorage.removeItem(EXCLUDE_ME_STORAGE_KEY);
    history.pushState(null, "", "/b");
    await settle();
    expect(views()).toEqual(["/b"]);
  });

  test("anything from an automated browser that has not opted in", async () => {
    localStorage.removeItem(COUNT_AUTOMATION_STORAGE_KEY);
    expect(navigator.webdriver).toBe(true);
    await start();
    await advance(HEARTBEAT_INTERVAL_MS);
    expect(page.sent).toEqual([]);
  });
});

describe("when the server says no", () => {
  const tooMany = (seconds: number) =>
    new Response(JSON.stringify({ error: "Rate limited", retryAfter: seconds }), { status: 429, headers: { "Retry-After": String(seconds) } });

  test("429: nothing at all until Retry-After has passed, nothing retried, then on as before", async () => {
    // Two intervals, so an interval's beat falls when the wait ends.
    const wait = (2 * HEARTBEAT_INTERVAL_MS) / 1000;
    page.respond(tooMany(wait));
    await start();
    expect(page.events()).toHaveLength(2);
    history.pushState(null, "", "/a");
    await advance(wait * 1000 - 1);
    window.dispatchEvent(new PageTransitionEvent("pagehide"));
    expect(page.events()).toHaveLength(2);
    await advance(1);
    // The interval's beat after the wait, with the path now; the view refused meanwhile is not sent again.
    expect(page.events().slice(2)).toEqual([expect.objectContaining({ type: "heartbeat", path: "/a" })]);
  });

  test("429 holds custom events too; a refused event is not retried, and the page never hears of it", async () => {
    page.respond(tooMany(60));
    await start();
    liveStats("Held back");
    await advance(60_000);
    page.respond(new Response(JSON.stringify({ error: "name must be 1 to 120 characters", field: "name" }), { status: 400 }));
    liveStats("x".repeat(200));
    await advance(HEARTBEAT_INTERVAL_MS);
    expect(customEvents().map((event) => event.name)).toEqual(["x".repeat(200)]);
  });

  test("400 for the visit's fields: the view goes once more without them; any other 400 is dropped", async () => {
    const refused = (field: string) => new Response(JSON.stringify({ error: `${field} is wrong`, field }), { status: 400 });
    arrive(`/landing?utm_campaign=${"x".repeat(600)}`);
    page.respond(refused("visit.utmCampaign"), refused("visit.utmCampaign"));
    await start();
    expect(page.events().filter((event) => event.type === "pageview")).toEqual([
      expect.objectContaining({ path: "/landing", visit: expect.objectContaining({ utmCampaign: expect.any(String) }) }),
      { type: "pageview", sessionId: loadSession().id, path: "/landing" },
    ]);

    page.respond(refused("path"));
    history.pushState(null, "", "/refused");
    await settle();
    expect(views()).toEqual(["/landing", "/landing", "/refused"]);
  });

  test("a network failure is silent", async () => {
    vi.mocked(fetch).mockRejectedValue(new TypeError("Failed to fetch"));
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    await start();
    history.pushState(null, "", "/a");
    await advance(HEARTBEAT_INTERVAL_MS);
    expect(fetch).toHaveBeenCalled();
    expect(errors).not.toHaveBeenCalled();
  });
});

describe("the script tag", () => {
  test("data-api names the deployment; on a real host it tracks without more", async () => {
    await loadScriptTag({ src: "/script.js", "data-api": `${API}/` });
    await settle();
    expect(page.sent.map(({ url }) => url)).toEqual([ENDPOINT, ENDPOINT]);
    expect(views()).toEqual(["/"]);
  });

  test("data-outbound-links, data-file-downloads and data-404 turn the automatic events on; window.liveStats is there", async () => {
    arrive("/missing");
    await loadScriptTag({ "data-api": API, "data-outbound-links": "", "data-file-downloads": "true", "data-404": "" });
    clickLink("https://github.com/");
    clickLink("/guide.pdf");
    liveStats("Signup");
    await settle();
    expect(customEvents().map((event) => event.name)).toEqual([NOT_FOUND_EVENT, OUTBOUND_LINK_EVENT, FILE_DOWNLOAD_EVENT, "Signup"]);
  });

  test("without those attributes, or with them \"false\", no automatic event", async () => {
    await loadScriptTag({ "data-api": API, "data-outbound-links": "false", "data-404": "false" });
    clickLink("https://github.com/");
    clickLink("/guide.pdf");
    await settle();
    expect(customEvents()).toEqual([]);
  });

  test("data-hash turns hash routing on; without data-api it does nothing", async () => {
    arrive("/#/about");
    await loadScriptTag({ "data-api": API, "data-hash": "" });
    await settle();
    expect(views()).toEqual(["/about"]);
    page.restore();
    page = scriptTagPage();
    await loadScriptTag({ "data-hash": "true" });
    await settle();
    expect(page.sent).toEqual([]);
  });
});
