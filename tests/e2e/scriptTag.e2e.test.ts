import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import type { LocalConvex } from "../../tools/local-convex/server";
import { useSiteVisitors } from "./support/siteVisitors";
import { clickOutboundAndDownload, openDashboard, readDashboard, readEventRows, showEvents, wasNeverReloaded } from "./support/dashboard";
import { DESKTOP, screenshot } from "./support/screenshots";

// A site with no React and no Convex client, only the script tag (README, "Add to any site"):
// served from its own origin, it loads script.js from the app's build and sends to the
// deployment's HTTP actions (a third origin, allowed by STATS_ALLOWED_ORIGINS); its views and
// heartbeats, client-side navigation included, show up live on /stats. A page on an origin not
// allowed is refused in the browser too.

const PAGE = fs.readFileSync(new URL("./fixtures/plainSite.html", import.meta.url), "utf8");
// The same site's pricing page, sending custom events: a queued call, a button's, an outbound click and a download.
const EVENTS_PAGE = fs.readFileSync(new URL("./fixtures/eventsSite.html", import.meta.url), "utf8");

type PlainSite = { url: string; close(): Promise<void> };

/** Serves the plain page at every path (as a static host's SPA fallback would), with the snippet pointing at `server`; port 0 picks one. */
async function servePlainSite(server: LocalConvex, port = 0): Promise<PlainSite> {
  const filled = (page: string) => page.replace("{{scriptSrc}}", `${server.url}/script.js`).replace("{{api}}", server.siteUrl);
  const site = http.createServer((request, response) => {
    if (request.url === "/favicon.ico") response.writeHead(404).end();
    else if (request.url?.startsWith("/files/")) response.writeHead(200, { "Content-Type": "application/pdf" }).end("%PDF-1.4");
    else response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(filled(request.url === "/events" ? EVENTS_PAGE : PAGE));
  });
  await new Promise<void>((resolve) => site.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(site.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => site.close(() => resolve())),
  };
}

let allowedOrigin: string;
let plainSite: PlainSite;
let refusedSite: PlainSite;

// Registered first, so it runs after the visitors' contexts close (vitest runs afterEach hooks last-registered first).
afterEach(async () => {
  await plainSite.close();
  await refusedSite.close();
});

const site = useSiteVisitors({
  // The allowed origin must be known before the deployment starts: take a port, then start the site on it.
  env: async () => {
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    allowedOrigin = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise((resolve) => probe.close(resolve));
    return { STATS_ALLOWED_ORIGINS: allowedOrigin };
  },
});
let browser: Browser;
let server: LocalConvex;

beforeEach(async () => {
  browser = site.browser();
  server = site.server();
  plainSite = await servePlainSite(server, Number(new URL(allowedOrigin).port));
  refusedSite = await servePlainSite(server);
});

const newVisitor = (baseURL: string) => site.newVisitor({ baseURL });

/** Each event the page sent to POST /api/event, with the status it got (keepalive requests end "aborted" for Playwright, so their responses are watched). */
function watchEvents(page: Page): { status: number; body: string }[] {
  const events: { status: number; body: string }[] = [];
  page.on("response", (response) => {
    if (response.url().endsWith("/api/event")) events.push({ status: response.status(), body: response.request().postData() ?? "" });
  });
  return events;
}

describe("the script tag on a plain HTML site", () => {
  it("counts its views, a pushState navigation included, and its heartbeats, live on /stats", async () => {
    const dashboard = await openDashboard(await newVisitor(server.url));
    await expect.poll(() => readDashboard(dashboard)).toMatchObject({ totalViews: 0, activeNow: 0 });

    const page = await (await newVisitor(plainSite.url)).newPage();
    const events = watchEvents(page);
    await page.goto("/landing");
    await expect.poll(() => readDashboard(dashboard)).toMatchObject({
      totalViews: 1,
      uniqueVisitors: 1,
      viewsByPage: { "/landing": 1 },
      activeNow: 1,
      activeByPath: { "/landing": 1 },
    });
    // text/plain: a simple request, so no preflight; the origin is allowed, so the page may read the 202.
    expect(events.filter(({ body }) => body.includes('"pageview"')).map(({ status }) => status)).toEqual([202]);

    await page.click("#to-pricing");
    await page.waitForFunction(() => document.getElementById("title")?.textContent === "Pricing");
    await expect.poll(() => readDashboard(dashboard)).toMatchObject({
      totalViews: 2,
      uniqueVisitors: 1,
      viewsByPage: { "/landing": 1, "/landing/pricing": 1 },
      activeNow: 1,
      activeByPath: { "/landing/pricing": 1 },
    });
    // Back to the same path again within 30 minutes: the browser sends it, the server's dedup drops it.
    await page.goBack();
    await expect.poll(() => readDashboard(dashboard)).toMatchObject({ activeByPath: { "/landing": 1 } });
    expect((await readDashboard(dashboard)).totalViews).toBe(2);
    expect(await wasNeverReloaded(dashboard)).toBe(true);

    const file = await screenshot(
      browser,
      { baseURL: server.url, viewport: DESKTOP },
      "/stats",
      async (stats) => {
        await expect.poll(() => readDashboard(stats)).toMatchObject({ viewsByPage: { "/landing": 1, "/landing/pricing": 1 } });
      },
      "script-tag-stats",
    );
    expect(fs.existsSync(file)).toBe(true);
  });

  it("sends custom events (queued before it loaded, a button's with revenue, an outbound click, a download), live on /stats", async () => {
    const dashboard = await openDashboard(await newVisitor(server.url));
    await expect.poll(() => readDashboard(dashboard)).toMatchObject({ totalViews: 0 });
    const context = await newVisitor(plainSite.url);
    const page = await context.newPage();
    await page.goto("/events");
    await expect.poll(() => readDashboard(dashboard)).toMatchObject({ viewsByPage: { "/events": 1 } });
    await page.click("#signup");
    // The outbound link opens a tab of its own (nothing to load here); the download is a file the site serves.
    await clickOutboundAndDownload(context, page);
    const rows = await readEventRows(dashboard, 4);
    expect(rows.sort()).toEqual(["File Download", "Newsletter", "Outbound Link: Click", "Signup"].map((name) => expect.stringContaining(name)).sort());
    expect(rows.find((row) => row.startsWith("Signup"))).toContain("$29.00");
    expect(await wasNeverReloaded(dashboard)).toBe(true);
    await screenshot(browser, { baseURL: server.url, viewport: DESKTOP }, "/stats", async (stats) => {
      await showEvents(stats);
      await expect.poll(() => stats.locator('[data-testid="events-table"] tbody tr').count()).toBe(4);
    }, "script-tag-events-stats");
  });

  it("sends nothing the deployment counts from an origin STATS_ALLOWED_ORIGINS does not list", async () => {
    const dashboard = await openDashboard(await newVisitor(server.url));
    await expect.poll(() => readDashboard(dashboard)).toMatchObject({ totalViews: 0, activeNow: 0 });
    const page = await (await newVisitor(refusedSite.url)).newPage();
    const sent: string[] = [];
    page.on("request", (request) => request.url().endsWith("/api/event") && sent.push(JSON.parse(request.postData() ?? "{}").type));
    await page.goto("/landing");
    // The view and the first heartbeat are sent, and refused (403, tests/tools/eventEndpoint.test.ts): with no CORS header, the browser does not even show the page the answer.
    await expect.poll(() => sent.sort()).toEqual(["heartbeat", "pageview"]);
    await server.deployment.settled();
    expect(await readDashboard(dashboard)).toMatchObject({ totalViews: 0, activeNow: 0, viewsByPage: {} });
  });
});
