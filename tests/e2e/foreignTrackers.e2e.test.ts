import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import type { LocalConvex } from "../../tools/local-convex/server";
import { useSiteVisitors } from "./support/siteVisitors";
import { clickOutboundAndDownload, openDashboard, readDashboard, readEventRows } from "./support/dashboard";
import { queryValue } from "./support/statsRange";
import { SCREENSHOT_DIR } from "./support/screenshots";
import { Umami } from "@umami/node";

// Trackers nobody here wrote (prds/compat.md). Plausible's official tracker (npm: @plausible-analytics/tracker),
// unchanged but for its endpoint, on a plain page of its own origin: its views (pushState and hash routes), a custom
// event with props and revenue, an outbound click and a download reach the blog's /stats live. Umami's Node client
// (npm: @umami/node) sends to /api/send, and its views and events count.

const HOUR = 60 * 60_000;
const PAGE = fs.readFileSync(new URL("./fixtures/plausibleSite.html", import.meta.url), "utf8");
const TRACKER = fs.readFileSync(new URL("../../node_modules/@plausible-analytics/tracker/plausible.js", import.meta.url), "utf8");

type Site = { url: string; close(): Promise<void> };

/** Serves the page at every path, with the tracker's module at /plausible.js, sending to `server`'s /api/event. */
async function servePlausibleSite(server: LocalConvex, hashBasedRouting: boolean): Promise<Site> {
  const page = PAGE.replace("{{endpoint}}", `${server.siteUrl}/api/event`).replace("{{hashBasedRouting}}", String(hashBasedRouting));
  const site = http.createServer((request, response) => {
    if (request.url === "/plausible.js") response.writeHead(200, { "Content-Type": "text/javascript" }).end(TRACKER);
    else if (request.url === "/favicon.ico") response.writeHead(404).end();
    else if (request.url?.startsWith("/files/")) response.writeHead(200, { "Content-Type": "application/pdf" }).end("%PDF-1.4");
    else response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(page);
  });
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(site.address() as AddressInfo).port}`, close: () => new Promise((resolve) => site.close(() => resolve())) };
}

const blog = useSiteVisitors();
const newVisitor = (baseURL: string) => blog.newVisitor({ baseURL });

describe("Plausible's tracker on a plain page", () => {
  it("counts its views (a pushState navigation too), a custom event with props and revenue, an outbound click and a download, live on /stats", async () => {
    const plain = await servePlausibleSite(blog.server(), false);
    try {
      const dashboard = await openDashboard(await blog.newVisitor());
      await expect.poll(() => readDashboard(dashboard)).toMatchObject({ totalViews: 0 });
      const context = await newVisitor(plain.url);
      const page = await context.newPage();
      await page.goto("/landing");
      await expect.poll(() => readDashboard(dashboard)).toMatchObject({ totalViews: 1, uniqueVisitors: 1, viewsByPage: { "/landing": 1 } });
      await page.click("#to-pricing");
      await expect.poll(() => readDashboard(dashboard)).toMatchObject({ totalViews: 2, uniqueVisitors: 1, viewsByPage: { "/landing": 1, "/pricing": 1 } });
      await page.click("#signup");
      await clickOutboundAndDownload(context, page);
      const rows = await readEventRows(dashboard, 3);
      expect(rows.sort()).toEqual(["File Download", "Outbound Link: Click", "Signup"].map((name) => expect.stringContaining(name)).sort());
      expect(rows.find((row) => row.startsWith("Signup"))).toContain("$29.00");
      // Whole hours: an event property's values come from its buckets.
      const hour = Date.now() - (Date.now() % HOUR);
      const range = { from: hour - HOUR, to: hour + HOUR };
      const plans = await queryValue<{ value: string }[]>(blog.server().deployment, "stats:breakdown", { ...range, property: "prop:plan", filters: [{ property: "event", op: "is", value: "Signup" }] });
      expect(plans.map(({ value }) => value)).toEqual(["pro"]);
      await dashboard.screenshot({ path: `${SCREENSHOT_DIR}plausible-tracker-stats.png`, fullPage: true, animations: "disabled" });
    } finally {
      await plain.close();
    }
  });

  it("in hash mode, a route in the hash is a page of its own", async () => {
    const plain = await servePlausibleSite(blog.server(), true);
    try {
      const dashboard = await openDashboard(await blog.newVisitor());
      const page = await (await newVisitor(plain.url)).newPage();
      await page.goto("/app");
      await expect.poll(() => readDashboard(dashboard)).toMatchObject({ totalViews: 1 });
      await page.click("#to-settings");
      await expect.poll(async () => Object.keys((await readDashboard(dashboard)).viewsByPage).sort()).toEqual(["/app", "/app%23/settings"]);
    } finally {
      await plain.close();
    }
  });
});

describe("Umami's Node client", () => {
  it("sends views and a custom event with data and revenue to /api/send, and they count", async () => {
    const made = await blog.server().deployment.action("stats:umamiWebsite", {}, "deployment");
    if (!made.success) throw new Error(made.errorMessage);
    const { websiteId } = made.value as { websiteId: string };
    const umami = new Umami();
    umami.init({ hostUrl: blog.server().siteUrl, websiteId, userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15" });
    const page = { hostname: "blog.example.com", language: "en-US", screen: "1440x900", referrer: "https://www.google.com/" };
    const answers = [
      await umami.track({ ...page, url: "/pricing", title: "Pricing" }),
      await umami.track({ ...page, url: "/about", title: "About" }),
      await umami.track({ ...page, url: "/pricing", name: "Signup", data: { plan: "pro", revenue: 29, currency: "USD" } }),
    ];
    expect(answers.map(({ status }) => status)).toEqual([200, 200, 200]);
    const bodies = await Promise.all(answers.map((answer) => answer.json() as Promise<{ sessionId: string }>));
    // One person today: every answer names the same daily visitor.
    expect(new Set(bodies.map(({ sessionId }) => sessionId)).size).toBe(1);
    await blog.server().deployment.mutation("stats:watchDashboard", {});
    await blog.server().deployment.settled();
    const hour = Date.now() - (Date.now() % HOUR);
    const range = { from: hour - HOUR, to: hour + HOUR };
    await expect
      .poll(() => queryValue<{ pageviews: number; visitors: number }>(blog.server().deployment, "stats:summary", range))
      .toMatchObject({ pageviews: 2, visitors: 1 });
    const events = await queryValue<{ value: string; revenue?: number }[]>(blog.server().deployment, "stats:breakdown", { ...range, property: "event" });
    expect(events).toEqual([expect.objectContaining({ value: "Signup", revenue: 29 })]);
  });
});
