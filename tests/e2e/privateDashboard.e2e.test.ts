import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { strFromU8, unzipSync } from "fflate";
import type { LocalConvex } from "../../tools/local-convex/server";
import { startSite } from "../../tools/demo/site";
import { launchChromium, newAutomatedContext } from "./support/browser";
import { openDashboard, readDashboard, wasNeverReloaded } from "./support/dashboard";
import { looks, screenshot, SCREENSHOT_DIR } from "./support/screenshots";
import { csvRecords } from "../support/csvParse";

/**
 * A private dashboard (STATS_VISIBILITY=private) in Chromium against the emulator: without a
 * link /stats shows only that it is private; a share link shows the figures and downloads them
 * as CSV; revoking the link switches the open dashboard to the private page, with no reload.
 */

let browser: Browser;
let server: LocalConvex;
let context: BrowserContext;
const pageErrors: string[] = [];

const VIEWS = [
  { path: "/", sessionId: "00000000-0000-4000-8000-000000000001" },
  { path: "/about", sessionId: "00000000-0000-4000-8000-000000000001" },
  { path: "/about", sessionId: "00000000-0000-4000-8000-000000000002" },
];

beforeAll(async () => {
  browser = await launchChromium();
  ({ server } = await startSite({
    port: inject("appPort"),
    sitePort: inject("appSitePort"),
    appDir: inject("appDir"),
    runCronsOnSchedule: false,
    env: { STATS_VISIBILITY: "private" },
  }));
  // The site's pages still count on a private dashboard: the tracker's mutation is open.
  for (const view of VIEWS) {
    const outcome = await server.deployment.mutation("stats:recordPageView", { ...view, pageType: "page" });
    expect(outcome.success).toBe(true);
  }
  await server.deployment.settled();
  context = await newAutomatedContext(browser, { baseURL: server.url, acceptDownloads: true });
  context.on("weberror", (error) => pageErrors.push(String(error.error())));
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
  expect(pageErrors).toEqual([]);
});

async function createShareLink(): Promise<{ id: string; token: string; path: string }> {
  const outcome = await server.deployment.action("stats:createShareLink", { label: "team" }, "deployment");
  if (!outcome.success) throw new Error(`createShareLink failed: ${JSON.stringify(outcome)}`);
  return outcome.value as { id: string; token: string; path: string };
}

/** What the page shows instead of the dashboard, or null while it shows the dashboard. */
const privateNotice = (page: Page) => page.evaluate(() => document.querySelector('[data-testid="private-dashboard"]')?.textContent ?? null);
const failedPanels = (page: Page) => page.evaluate(() => document.querySelectorAll(".panel-error").length);

describe("a private dashboard", () => {
  it("without a share link shows only that it is private", async () => {
    const page = await openDashboard(context);
    await expect.poll(() => privateNotice(page)).toMatch(/^This dashboard is private.*Ask the site's owner for a share link/);
    expect(await readDashboard(page)).toMatchObject({ totalViews: null, activeNow: null, viewsByPage: {} });
    expect(await failedPanels(page)).toBe(0);
    expect(await page.locator('[data-testid="download-csv"]').count()).toBe(0);
    await page.close();

    for (const look of looks(["desktop", "phone"], ["light", "dark"]).filter(({ name }) => name === "desktop-light" || name === "phone-dark")) {
      const file = await screenshot(
        browser,
        { baseURL: server.url, ...look.options },
        "/stats",
        (shown) => shown.locator('[data-testid="private-dashboard"]').waitFor(),
        `private-dashboard-${look.name}`,
      );
      expect(fs.existsSync(file)).toBe(true);
    }
  });

  it("with a share link shows the figures and downloads them; revoking the link switches it to the private page, no reload", async () => {
    const link = await createShareLink();
    const page = await openDashboard(context, link.path);
    await expect.poll(() => readDashboard(page)).toMatchObject({ totalViews: 3, uniqueVisitors: 2, viewsByPage: { "/": 1, "/about": 2 } });
    expect(await privateNotice(page)).toBeNull();
    await page.screenshot({ path: `${SCREENSHOT_DIR}private-dashboard-shared-desktop-light.png`, animations: "disabled" });

    // Download CSV: the range shown, as a ZIP from the deployment's HTTP actions, with the link's token.
    const download = page.locator('[data-testid="download-csv"]');
    const href = new URL((await download.getAttribute("href"))!);
    expect(href.origin).toBe(server.siteUrl);
    expect(href.searchParams.get("token")).toBe(link.token);
    const [file] = await Promise.all([page.waitForEvent("download"), download.click()]);
    expect(file.suggestedFilename()).toMatch(/^stats-all-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.zip$/);
    const files = unzipSync(new Uint8Array(fs.readFileSync((await file.path())!)));
    expect(csvRecords(strFromU8(files["page.csv"]))).toEqual([
      { page: "/about", title: "About", visitors: "2", pageviews: "2" },
      { page: "/", title: "Home", visitors: "1", pageviews: "1" },
    ]);
    // Without the token the same export is refused.
    href.searchParams.delete("token");
    expect((await fetch(href)).status).toBe(401);

    const revoked = await server.deployment.mutation("stats:revokeShareLink", { id: link.id }, { caller: "deployment" });
    expect(revoked).toMatchObject({ success: true });
    await expect.poll(() => privateNotice(page)).toMatch(/^This dashboard is private.*This share link doesn't work/);
    expect(await readDashboard(page)).toMatchObject({ totalViews: null, viewsByPage: {} });
    expect(await failedPanels(page)).toBe(0);
    expect(await wasNeverReloaded(page)).toBe(true);
    await page.screenshot({ path: `${SCREENSHOT_DIR}private-dashboard-revoked-desktop-light.png`, fullPage: true, animations: "disabled" });
    await page.close();
  });
});
