import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import type { LocalConvex } from "../../tools/local-convex/server";
import { launchChromium } from "./support/browser";
import { readDashboard } from "./support/dashboard";
import { startSite } from "../../tools/demo/site";
import { seedHistory, seededRandom, sitePages } from "../../tools/demo/traffic";

// For a person to look at after a run (not compared against anything).
const SCREENSHOT_DIR = fileURLToPath(new URL("../../test-results/", import.meta.url));

let browser: Browser;
let server: LocalConvex;

beforeAll(async () => {
  browser = await launchChromium();
  ({ server } = await startSite({ port: inject("appPort"), appDir: inject("appDir"), runCronsOnSchedule: false }));
  const pages = await sitePages(server.deployment);
  await seedHistory(server.deployment, pages, { days: 3, sessions: 150, random: seededRandom(7) });
  // A few visitors here right now, so "Active now" has something to show.
  for (const page of pages.slice(0, 3)) {
    const sessionId = crypto.randomUUID();
    await server.deployment.mutation("stats:recordPageView", { path: page.path, pageType: page.pageType, sessionId });
    await server.deployment.mutation("stats:heartbeat", { sessionId, currentPath: page.path });
  }
  // The stats worker folds the history in a few batches; the figures are final once it is idle.
  await server.deployment.settled();
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function screenshot(options: BrowserContextOptions, path: string, ready: (page: Page) => Promise<void>, name: string) {
  const context = await browser.newContext({ baseURL: server.url, ...options });
  try {
    const page = await context.newPage();
    await page.goto(path);
    await ready(page);
    const file = `${SCREENSHOT_DIR}${name}.png`;
    await page.screenshot({ path: file, fullPage: true, animations: "disabled" });
    expect(fs.statSync(file).size).toBeGreaterThan(0);
  } finally {
    await context.close();
  }
}

/** Waits until the dashboard shows what the server holds, this visitor's own view included. */
async function showsServerFigures(page: Page): Promise<void> {
  const serverTotals = async () => {
    const outcome = await server.deployment.query("stats:getPageViewStats", {});
    return outcome.success ? (outcome.value as { totalPageViews: number }).totalPageViews : null;
  };
  await expect.poll(async () => (await readDashboard(page)).totalViews === (await serverTotals())).toBe(true);
}

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

describe("screenshots in test-results/", () => {
  for (const [width, viewport] of [["desktop", DESKTOP], ["phone", PHONE]] as const) {
    for (const colorScheme of ["light", "dark"] as const) {
      it(`/stats on a ${width}, ${colorScheme}`, async () => {
        const options = { viewport, colorScheme, isMobile: width === "phone" };
        await screenshot(options, "/stats", showsServerFigures, `stats-${width}-${colorScheme}`);
      });
    }
  }

  it("a post", async () => {
    const posts = await server.deployment.query("content:listPosts", {});
    const [{ slug, title }] = (posts.success ? posts.value : []) as { slug: string; title: string }[];
    const fullyLoaded = async (page: Page) => {
      await page.getByRole("heading", { level: 1, name: title }).waitFor();
      // The markdown renderer loads lazily behind a busy placeholder.
      await page.locator('[aria-busy="true"]').waitFor({ state: "detached" });
    };
    await screenshot({ viewport: DESKTOP, colorScheme: "light" }, `/${slug}`, fullyLoaded, "post-desktop-light");
  });
});
