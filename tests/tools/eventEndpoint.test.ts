import type { JSONValue } from "convex/values";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { MAX_EVENT_BODY_BYTES, SESSION_VIEWS_PER_MINUTE, WORKER_COOLDOWN_MS, WORKER_DEBOUNCE_MS } from "../../src/shared/config";
import { handleEventRequest } from "../../src/client/http/eventEndpoint";
import { allowedOrigins, isAllowedOrigin } from "../../src/component/record/events";
import type { HttpContext } from "../../src/client/http/routes";
import { siteCap } from "../../src/component/record/rateLimits";
import { backendClock } from "../../tools/local-convex/clock";
import { startLocalConvex, type LocalConvex } from "../../tools/local-convex/server";

// POST /api/event (convex/http.ts, client/http/eventEndpoint.ts) over real HTTP, on the local server's
// site port: what a site's script tag or navigator.sendBeacon meets at <deployment>.convex.site.

const MINUTE = 60_000;
const SITE = "https://blog.example";
const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

const pageView = (path = "/hello", sessionId: string = crypto.randomUUID()) => ({ type: "pageview", sessionId, path });

/** One server for the enclosing describe block, its deployment's environment `env`; the backend clock is reset after it. */
function serverFor(env: Record<string, string> = {}): { current: LocalConvex } {
  const server = {} as { current: LocalConvex };
  beforeAll(async () => {
    server.current = await startLocalConvex({ env, runCronsOnSchedule: false });
  });
  afterAll(async () => {
    await server.current.close();
    backendClock.reset();
  });
  return server;
}

/**
 * POSTs an event from a Firefox page on SITE: `body` is sent as is if a string or bytes, else as JSON; `headers` override.
 * `prefix` picks the site: "" the blog's /api/event, "/docs" the docs site's /docs/api/event (convex/http.ts).
 */
function postEvent(server: LocalConvex, body: unknown, headers: Record<string, string> = {}, prefix = ""): Promise<Response> {
  return fetch(`${server.siteUrl}${prefix}/api/event`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: SITE, "User-Agent": FIREFOX, ...headers },
    body: typeof body === "string" || body instanceof Uint8Array ? (body as BodyInit) : JSON.stringify(body),
  });
}

/** What visitors' calls write, counted in the site's own tables (its stats component's): unchanged means the call wrote nothing. */
async function writtenRows(server: LocalConvex, site = "liveStats"): Promise<{ pageViews: number; visits: number; activeSessions: number }> {
  let rows = { pageViews: 0, visits: 0, activeSessions: 0 };
  await server.deployment.runInComponent(site, async (ctx) => {
    rows = {
      pageViews: (await ctx.db.query("pageViews").collect()).length,
      visits: (await ctx.db.query("visits").collect()).length,
      activeSessions: (await ctx.db.query("activeSessions").collect()).length,
    };
  });
  return rows;
}

/**
 * Each site's stats worker folds everything sent and goes idle, as an open dashboard sees it (its watch lease held):
 * the clock jumps past its debounce and cooldown instead of waiting them out.
 */
async function settle(server: LocalConvex): Promise<void> {
  await server.deployment.mutation("stats:watchDashboard", {});
  await server.deployment.mutation("docsStats:watchDashboard", {});
  backendClock.advance(WORKER_DEBOUNCE_MS);
  await server.deployment.runDue();
  backendClock.advance(WORKER_COOLDOWN_MS + WORKER_DEBOUNCE_MS);
  await server.deployment.settled();
}

async function query<T>(server: LocalConvex, udfPath: string, args: JSONValue = {}): Promise<T> {
  const outcome = await server.deployment.query(udfPath, args);
  if (!outcome.success) throw new Error(outcome.errorMessage);
  return outcome.value as T;
}

/** The whole minutes of the last hour, up to the current one: every event a test sent. */
function lastHour(): { from: number; to: number } {
  const to = Math.floor(backendClock.now() / MINUTE) * MINUTE + MINUTE;
  return { from: to - 60 * MINUTE, to };
}

const pageviews = async (server: LocalConvex) => (await query<{ pageviews: number }>(server, "stats:summary", lastHour())).pageviews;

describe("accepted events", () => {
  const server = serverFor();

  it("counts a JSON page view, answering 202 with an empty body, its browser read from the User-Agent header", async () => {
    const response = await postEvent(server.current, pageView("/hello"));

    expect(response.status).toBe(202);
    expect(await response.text()).toBe("");
    await settle(server.current);
    expect(await pageviews(server.current)).toBe(1);
    const browsers = await query<{ value: string; visits?: number }[]>(server.current, "stats:breakdown", { ...lastHour(), property: "browser" });
    expect(browsers).toEqual([expect.objectContaining({ value: "Firefox", visits: 1 })]);
  });

  it("counts a beacon's text/plain body as navigator.sendBeacon sends it", async () => {
    const before = await pageviews(server.current);

    const response = await postEvent(server.current, JSON.stringify(pageView("/beacon")), { "Content-Type": "text/plain;charset=UTF-8" });

    expect(response.status).toBe(202);
    await settle(server.current);
    expect(await pageviews(server.current)).toBe(before + 1);
  });

  it("shows a heartbeat's visitor among the active visitors, on its path", async () => {
    const response = await postEvent(server.current, { type: "heartbeat", sessionId: crypto.randomUUID(), path: "/live" });

    expect(response.status).toBe(202);
    await settle(server.current);
    const { activeByPath } = await query<{ activeByPath: { path: string; count: number }[] }>(server.current, "stats:getActiveVisitors");
    expect(activeByPath).toContainEqual({ path: "/live", title: "/live", count: 1 });
  });

  it("lets any origin send while STATS_ALLOWED_ORIGINS is unset, telling each its own origin back", async () => {
    const response = await postEvent(server.current, pageView(), { Origin: "http://localhost:5173" });

    expect(response.status).toBe(202);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("http://localhost:5173");
  });

  it("answers a bot 202 as it would a person, and counts nothing", async () => {
    const before = await writtenRows(server.current);

    const response = await postEvent(server.current, pageView("/crawled"), { "User-Agent": GOOGLEBOT });

    expect(response.status).toBe(202);
    expect(await writtenRows(server.current)).toEqual(before);
  });
});

/** A page view's JSON with `extra` (raw JSON members) added, for keys JSON.stringify of an object literal cannot write. */
const rawPageView = (extra: string) => `${JSON.stringify(pageView()).slice(0, -1)},${extra}}`;
/** `text` in latin1 (ISO-8859-1), one byte a character, as a page without a UTF-8 charset might send it. */
const latin1 = (text: string) => Uint8Array.from(text, (char) => char.charCodeAt(0));

describe("refused bodies: 4xx with { error, field }, nothing written", () => {
  const server = serverFor();

  const refusals: { name: string; body: unknown; headers?: Record<string, string>; status: number; field: string }[] = [
    { name: "not JSON", body: "{ type: pageview", status: 400, field: "body" },
    { name: "a JSON array", body: [pageView()], status: 400, field: "body" },
    { name: "no type", body: { sessionId: crypto.randomUUID(), path: "/" }, status: 400, field: "type" },
    { name: "an unknown type", body: { ...pageView(), type: "click" }, status: 400, field: "type" },
    { name: "a session id that is no UUID", body: pageView("/", "visitor-1"), status: 400, field: "sessionId" },
    { name: "a path not starting with /", body: pageView("about"), status: 400, field: "path" },
    { name: "screenWidth as a string", body: { ...pageView(), visit: { screenWidth: "1440" } }, status: 400, field: "visit.screenWidth" },
    { name: "a field events do not have", body: { ...pageView(), userId: "u1" }, status: 400, field: "userId" },
    // Named after Object.prototype's members, which a lookup by `fields[key]` finds; JSON.parse makes "__proto__" an own key.
    { name: "a field named constructor", body: rawPageView('"constructor":{"name":"x"}'), status: 400, field: "constructor" },
    { name: "a field named __proto__", body: rawPageView('"__proto__":{"path":"/x"}'), status: 400, field: "__proto__" },
    { name: "a visit field named toString", body: rawPageView('"visit":{"toString":"x"}'), status: 400, field: "visit.toString" },
    { name: "a latin1 body (é as the byte E9)", body: latin1(JSON.stringify(pageView("/café"))), status: 400, field: "body" },
    // The user agent is the request's header; a body cannot claim another.
    { name: "a user agent in the body", body: { ...pageView(), visit: { userAgent: "Mozilla/5.0" } }, status: 400, field: "visit.userAgent" },
    { name: "a heartbeat with a page type", body: { type: "heartbeat", sessionId: crypto.randomUUID(), path: "/", pageType: "post" }, status: 400, field: "pageType" },
    { name: "an over-long referrer", body: { ...pageView(), visit: { referrer: `https://a.example/${"x".repeat(600)}` } }, status: 400, field: "visit.referrer" },
    { name: "a body over MAX_EVENT_BODY_BYTES", body: { ...pageView(), visit: { referrer: `https://a.example/${"x".repeat(MAX_EVENT_BODY_BYTES + 1)}` } }, status: 413, field: "body" },
    {
      name: "a form-urlencoded body",
      body: "type=pageview&path=%2F",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      status: 415,
      field: "Content-Type",
    },
  ];

  it.each(refusals)("$name → $status", async ({ body, headers, status, field }) => {
    const before = await writtenRows(server.current);

    const response = await postEvent(server.current, body, headers);

    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ error: expect.any(String), field });
    expect(await writtenRows(server.current)).toEqual(before);
  });
});

describe("fields the visit check refuses", () => {
  const server = serverFor();

  it("a format character in a visit field is 400 naming it; the view sent again without its visit, as the script does, counts", async () => {
    const view = pageView("/landing");
    const before = await writtenRows(server.current);

    const refused = await postEvent(server.current, { ...view, visit: { utmSource: "Google\u200b" } });

    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: expect.any(String), field: "visit.utmSource" });
    expect(await writtenRows(server.current)).toEqual(before);
    expect((await postEvent(server.current, view)).status).toBe(202);
    expect((await writtenRows(server.current)).pageViews).toBe(before.pageViews + 1);
  });

  it("a User-Agent header it refuses is 400 naming the header, which no resend without the visit would change", async () => {
    const before = await writtenRows(server.current);

    const response = await postEvent(server.current, pageView(), { "User-Agent": `${FIREFOX}\u00ad` });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: expect.stringContaining("User-Agent header"), field: "User-Agent" });
    expect(await writtenRows(server.current)).toEqual(before);
  });
});

describe("a chunked body, which declares no length", () => {
  const server = serverFor();
  const KIB = 1024;
  /** A body of `kib` chunks of 1 KiB of spaces, counting the chunks pulled from it. */
  function chunkedBody(kib: number) {
    const stream = { pulled: 0, body: undefined as unknown as ReadableStream<Uint8Array> };
    stream.body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (stream.pulled++ === kib) controller.close();
        else controller.enqueue(new Uint8Array(KIB).fill(0x20));
      },
    });
    return stream;
  }

  it("is read only until it passes the limit: 413, and the rest is never pulled from the stream", async () => {
    const stream = chunkedBody(1024);
    const request = new Request("https://blog.example/api/event", {
      method: "POST",
      headers: { "Content-Type": "text/plain" },
      body: stream.body,
      duplex: "half",
    } as RequestInit);

    // The body is refused before the component is called, so the context is never used.
    const { response } = await handleEventRequest({ ctx: {}, component: {} } as unknown as HttpContext, request);

    expect(response.status).toBe(413);
    expect(stream.pulled).toBeLessThanOrEqual(MAX_EVENT_BODY_BYTES / KIB + 2);
  });

  it("gets 413 over HTTP too, writing nothing", async () => {
    const before = await writtenRows(server.current);

    const response = await fetch(`${server.current.siteUrl}/api/event`, {
      method: "POST",
      headers: { "Content-Type": "text/plain", Origin: SITE, "User-Agent": FIREFOX },
      body: chunkedBody(MAX_EVENT_BODY_BYTES / KIB + 1).body,
      duplex: "half",
    } as RequestInit);

    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: expect.any(String), field: "body" });
    expect(await writtenRows(server.current)).toEqual(before);
  });
});

describe("CORS with STATS_ALLOWED_ORIGINS set", () => {
  const server = serverFor({ STATS_ALLOWED_ORIGINS: SITE });
  const preflight = (origin: string) =>
    fetch(`${server.current.siteUrl}/api/event`, {
      method: "OPTIONS",
      headers: { Origin: origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" },
    });

  it("accepts a POST from the allowed origin, naming it in Access-Control-Allow-Origin", async () => {
    const response = await postEvent(server.current, pageView());

    expect(response.status).toBe(202);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe(SITE);
  });

  it("refuses a POST from another origin with 403, writing nothing", async () => {
    const before = await writtenRows(server.current);

    const response = await postEvent(server.current, pageView(), { Origin: "https://elsewhere.example" });

    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: expect.stringContaining("STATS_ALLOWED_ORIGINS"), field: "Origin" });
    expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
    expect(await writtenRows(server.current)).toEqual(before);
  });

  it("lets the allowed origin's preflight through: 204 allowing it, POST and Content-Type", async () => {
    const response = await preflight(SITE);

    expect(response.status).toBe(204);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe(SITE);
    expect(response.headers.get("Access-Control-Allow-Methods")).toContain("POST");
    expect(response.headers.get("Access-Control-Allow-Headers")).toContain("Content-Type");
  });

  it("gives another origin's preflight no Access-Control-Allow-Origin, so its browser sends nothing", async () => {
    const response = await preflight("https://elsewhere.example");

    expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });
});

describe("STATS_ALLOWED_ORIGINS entries as an owner may write them", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it("are read as a browser's Origin spells them: scheme and host in lower case, no default port, no trailing slash, https for a bare host", () => {
    vi.stubEnv("STATS_ALLOWED_ORIGINS", "HTTPS://Blog.Example:443/, docs.example http://LOCALHOST:3000 https://shop.example:8443 HTTPS://*.Example.ORG/");
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});

    const allowed = allowedOrigins();

    expect(allowed).toEqual(["https://blog.example", "https://docs.example", "http://localhost:3000", "https://shop.example:8443", "*.example.org"]);
    for (const origin of ["https://blog.example", "https://docs.example", "http://localhost:3000", "https://shop.example:8443", "https://a.example.org"]) {
      expect(isAllowedOrigin(origin, allowed)).toBe(true);
    }
    expect(isAllowedOrigin("http://docs.example", allowed)).toBe(false);
    expect(warn).not.toHaveBeenCalled();
  });

  it("an entry no Origin can match is left out and logged once per call, saying why", () => {
    vi.stubEnv("STATS_ALLOWED_ORIGINS", "https://blog.example/stats, ftp://files.example, http://*.example.org, *.example.org:8443, https://ok.example");
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});

    expect(allowedOrigins()).toEqual(["https://ok.example"]);
    expect(warn).toHaveBeenCalledTimes(1);
    const [message] = warn.mock.calls[0] as [string];
    expect(message).toContain("STATS_ALLOWED_ORIGINS");
    expect(message).toContain('"https://blog.example/stats" (an origin is scheme://host[:port], with no path, query or user)');
    expect(message).toContain('"ftp://files.example" (pages send events from http or https, not ftp)');
    expect(message).toContain('"http://*.example.org" (a wildcard matches https subdomains only)');
    expect(message).toContain('"*.example.org:8443" (write a wildcard as *.example.com)');
  });
});

describe("CORS with a mixed-case STATS_ALLOWED_ORIGINS entry", () => {
  const server = serverFor({ STATS_ALLOWED_ORIGINS: "HTTPS://Blog.Example/" });

  it("accepts the POST and the preflight from the origin it names", async () => {
    const response = await postEvent(server.current, pageView());
    expect(response.status).toBe(202);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe(SITE);

    const preflight = await fetch(`${server.current.siteUrl}/api/event`, {
      method: "OPTIONS",
      headers: { Origin: SITE, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" },
    });
    expect(preflight.headers.get("Access-Control-Allow-Origin")).toBe(SITE);
  });
});

describe("rate limits", () => {
  const newVisitorsPerMinute = 3;
  const server = serverFor({ STATS_MAX_NEW_VISITORS_PER_MINUTE: String(newVisitorsPerMinute) });

  it("counts new visitors up to the site-wide cap and leaves the rest out, then pauses new visitors with 429 and Retry-After, writing nothing, and takes them again once it has passed", async () => {
    const { capacity } = siteCap(newVisitorsPerMinute);
    expect(capacity).toBe(6);

    // Every view is answered alike and recorded; the stats worker holds them to the cap.
    for (let i = 0; i < capacity + 3; i++) expect((await postEvent(server.current, pageView())).status).toBe(202);
    await settle(server.current);
    expect(await pageviews(server.current)).toBe(capacity);
    // The three over the cap are gone from the tables figures are made from (kept as evidence in refusedEvents).
    expect(await writtenRows(server.current)).toMatchObject({ pageViews: capacity, visits: capacity });

    // Having refused some, the worker pauses new visitors at the door.
    const before = await writtenRows(server.current);
    const refused = await postEvent(server.current, pageView());
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(await refused.json()).toEqual({ error: expect.stringContaining("new visitors"), retryAfter });
    expect(await writtenRows(server.current)).toEqual(before);

    // Past the pause, and once the cap has refilled a token, a new visitor is counted again.
    backendClock.advance(Math.max(retryAfter * 1_000, MINUTE / newVisitorsPerMinute));
    expect((await postEvent(server.current, pageView())).status).toBe(202);
    await settle(server.current);
    expect(await pageviews(server.current)).toBe(capacity + 1);
  });

  it(`refuses one session's views past ${SESSION_VIEWS_PER_MINUTE} a minute with 429, writing nothing of the refused one`, async () => {
    // A minute on, the site-wide cap has room again for this session's first view.
    backendClock.advance(MINUTE);
    const sessionId = crypto.randomUUID();
    const before = await writtenRows(server.current);

    let accepted = 0;
    let refused: Response | undefined;
    // Distinct paths, as a repeat view of one path is deduplicated before any limit; the bucket refills a token a second meanwhile.
    while (refused === undefined && accepted <= 2 * SESSION_VIEWS_PER_MINUTE) {
      const response = await postEvent(server.current, pageView(`/page-${accepted}`, sessionId));
      if (response.status === 202) accepted++;
      else refused = response;
    }

    expect(accepted).toBeGreaterThanOrEqual(SESSION_VIEWS_PER_MINUTE);
    expect(refused?.status).toBe(429);
    expect(refused!.headers.get("Retry-After")).toMatch(/^\d+$/);
    expect(await refused!.json()).toEqual({ error: expect.stringContaining("this session"), retryAfter: expect.any(Number) });
    expect((await writtenRows(server.current)).pageViews).toBe(before.pageViews + accepted);
  });
});

describe("a probe for pages that exist", () => {
  const server = serverFor({ STATS_MAX_NEW_PATHS_PER_MINUTE: "1" });

  it("answers a view of a never-viewed path as one of a known path, even once the new-path cap is used up; the figures leave it out", async () => {
    const sessionId = crypto.randomUUID();
    for (const path of ["/known", "/uses-the-cap"]) expect((await postEvent(server.current, pageView(path, sessionId))).status).toBe(202);
    await settle(server.current);

    const known = await postEvent(server.current, pageView("/known"));
    const neverViewed = await postEvent(server.current, pageView("/never-viewed"));
    expect({ status: neverViewed.status, body: await neverViewed.text() }).toEqual({ status: known.status, body: await known.text() });
    expect(known.status).toBe(202);

    await settle(server.current);
    const { pageStats } = await query<{ pageStats: { path: string }[] }>(server.current, "stats:getPageViewStats");
    expect(pageStats.map(({ path }) => path).sort()).toEqual(["/known", "/uses-the-cap"]);
  });
});

describe("two sites in one deployment: the blog's /api/event and the docs' /docs/api/event", () => {
  const server = serverFor();
  type ViewStats = { totalPageViews: number; pageStats: { path: string }[] };
  const counted = async (module: "stats" | "docsStats") => {
    const { totalPageViews, pageStats } = await query<ViewStats>(server.current, `${module}:getPageViewStats`);
    return { totalPageViews, paths: pageStats.map(({ path }) => path) };
  };
  const active = async (module: "stats" | "docsStats") =>
    (await query<{ activeByPath: { path: string; count: number }[] }>(server.current, `${module}:getActiveVisitors`)).activeByPath;

  it("counts a view POSTed to /docs/api/event in the docs site (docsStats) and not in the blog's", async () => {
    const sessionId = crypto.randomUUID();
    expect((await postEvent(server.current, pageView("/docs/intro", sessionId), {}, "/docs")).status).toBe(202);
    expect((await postEvent(server.current, { type: "heartbeat", sessionId, path: "/docs/intro" }, {}, "/docs")).status).toBe(202);
    await settle(server.current);

    expect(await counted("docsStats")).toEqual({ totalPageViews: 1, paths: ["/docs/intro"] });
    expect(await active("docsStats")).toEqual([{ path: "/docs/intro", title: "/docs/intro", count: 1 }]);
    expect(await counted("stats")).toEqual({ totalPageViews: 0, paths: [] });
    expect(await active("stats")).toEqual([]);
    // The heartbeat is kept on the session's open visit: no live row of its own.
    expect(await writtenRows(server.current, "docsStats")).toEqual({ pageViews: 1, visits: 1, activeSessions: 0 });
    expect(await writtenRows(server.current, "liveStats")).toEqual({ pageViews: 0, visits: 0, activeSessions: 0 });
  });

  it("counts a view POSTed to /api/event in the blog (stats) and not in the docs site's", async () => {
    expect((await postEvent(server.current, pageView("/posts/hello"))).status).toBe(202);
    await settle(server.current);

    expect(await counted("stats")).toEqual({ totalPageViews: 1, paths: ["/posts/hello"] });
    expect(await counted("docsStats")).toEqual({ totalPageViews: 1, paths: ["/docs/intro"] });
    expect(await writtenRows(server.current, "liveStats")).toMatchObject({ pageViews: 1, visits: 1 });
    expect((await writtenRows(server.current, "docsStats")).pageViews).toBe(1);
  });
});
