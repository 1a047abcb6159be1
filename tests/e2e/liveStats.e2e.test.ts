import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import type { Browser, BrowserContext, BrowserContextOptions } from "playwright-core";
import { SESSION_TIMEOUT_MS } from "../../convex/model/config";
import { backendClock } from "../../tools/local-convex/clock";
import type { LocalConvex } from "../../tools/local-convex/server";
import { launchChromium } from "./support/browser";
import { MutationWatcher, openDashboard, readDashboard, wasNeverReloaded } from "./support/dashboard";
import { startSite } from "../../tools/demo/site";

let browser: Browser;
let server: LocalConvex;
let contexts: BrowserContext[] = [];
let pageErrors: string[] = [];
let post: { path: string; title: string };
let otherPost: string;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

beforeEach(async () => {
  // Crons run when a test says so, so "after the cleanup" is a moment the test picks.
  ({ server } = await startSite({ port: inject("appPort"), appDir: inject("appDir"), runCronsOnSchedule: false }));
  const posts = await server.deployment.query("content:listPosts", {});
  const [first, second] = (posts.success ? posts.value : []) as { slug: string; title: string }[];
  post = { path: `/${first.slug}`, title: first.title };
  otherPost = `/${second.slug}`;
});

afterEach(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  contexts = [];
  await server.close();
  backendClock.reset();
  // The app must never throw, whatever the test did to it.
  expect(pageErrors).toEqual([]);
  pageErrors = [];
});

/** A browser context is one visitor: its own localStorage, so its own session id. */
async function newVisitor(options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: server.url, ...options });
  context.on("weberror", (error) => pageErrors.push(String(error.error())));
  contexts.push(context);
  return context;
}

describe("/stats updates live while the site is browsed", () => {
  it("counts another tab's browsing by the dedup rules, with no reload", async () => {
    const visitor = await newVisitor();
    const dashboard = await openDashboard(visitor);
    await expect.poll(() => readDashboard(dashboard)).toEqual({
      activeNow: 1,
      totalViews: 1,
      uniqueVisitors: 1,
      viewsByPage: { "/stats": 1 },
      activeByPath: { "/stats": 1 },
    });

    // Same browser, second tab: same visitor. Its heartbeats speak for the browser now.
    const tab = await visitor.newPage();
    const mutations = new MutationWatcher(tab);
    await tab.goto("/");
    await expect.poll(() => readDashboard(dashboard)).toEqual({
      activeNow: 1,
      totalViews: 2,
      uniqueVisitors: 1,
      viewsByPage: { "/stats": 1, "/": 1 },
      activeByPath: { "/": 1 },
    });

    await tab.locator(`a[href="${post.path}"]`).first().click();
    await expect.poll(() => readDashboard(dashboard)).toMatchObject({
      totalViews: 3,
      viewsByPage: { "/stats": 1, "/": 1, [post.path]: 1 },
      activeByPath: { [post.path]: 1 },
    });

    await tab.locator('a[href="/about"]').first().click();
    await expect.poll(() => readDashboard(dashboard)).toMatchObject({
      totalViews: 4,
      viewsByPage: { "/stats": 1, "/": 1, [post.path]: 1, "/about": 1 },
      activeByPath: { "/about": 1 },
    });

    // Back to the post within 30 minutes: the server answers "not recorded" and nothing moves.
    await tab.goBack();
    await expect.poll(() => mutations.answers("stats:recordPageView", { path: post.path })).toHaveLength(2);
    expect(mutations.answers("stats:recordPageView", { path: post.path })).toEqual([
      { recorded: true, newVisitor: false },
      { recorded: false, newVisitor: false },
    ]);
    await expect.poll(() => readDashboard(dashboard)).toEqual({
      activeNow: 1,
      totalViews: 4,
      uniqueVisitors: 1,
      viewsByPage: { "/stats": 1, "/": 1, [post.path]: 1, "/about": 1 },
      activeByPath: { [post.path]: 1 },
    });
    expect(await wasNeverReloaded(dashboard)).toBe(true);
  });

  it("counts a second visitor once, and a reload within 30 minutes adds no view", async () => {
    const first = await newVisitor();
    const dashboard = await openDashboard(first);
    await expect.poll(() => readDashboard(dashboard)).toMatchObject({ totalViews: 1 });
    const tab = await first.newPage();
    const mutations = new MutationWatcher(tab);
    await tab.goto(post.path);
    await expect.poll(() => readDashboard(dashboard)).toMatchObject({ totalViews: 2, uniqueVisitors: 1, activeByPath: { [post.path]: 1 } });

    const second = await (await newVisitor()).newPage();
    await second.goto(post.path);
    const withSecondVisitor = {
      activeNow: 2,
      totalViews: 3,
      uniqueVisitors: 2,
      viewsByPage: { "/stats": 1, [post.path]: 2 },
      activeByPath: { [post.path]: 2 },
    };
    await expect.poll(() => readDashboard(dashboard)).toEqual(withSecondVisitor);

    await tab.reload();
    await expect.poll(() => mutations.answers("stats:recordPageView", { path: post.path })).toEqual([
      { recorded: true, newVisitor: false },
      { recorded: false, newVisitor: false },
    ]);
    expect(await readDashboard(dashboard)).toEqual(withSecondVisitor);

    // A path this visitor has not seen still counts, so the reload was the only thing not counted.
    await tab.goto(otherPost);
    await expect.poll(() => readDashboard(dashboard)).toMatchObject({
      totalViews: 4,
      uniqueVisitors: 2,
      viewsByPage: { "/stats": 1, [post.path]: 2, [otherPost]: 1 },
    });
    expect(await wasNeverReloaded(dashboard)).toBe(true);
  });

  it("drops a closed tab from Active now once its session times out and the cleanup runs", async () => {
    const watcher = await newVisitor();
    // The dashboard's own clock jumps with the server's, so it keeps heartbeating across the jump.
    await watcher.clock.install();
    const dashboard = await openDashboard(watcher);
    const reader = await newVisitor();
    await (await reader.newPage()).goto(post.path);
    await expect.poll(() => readDashboard(dashboard)).toMatchObject({ activeNow: 2, activeByPath: { "/stats": 1, [post.path]: 1 } });

    await reader.close();
    const pastTimeout = SESSION_TIMEOUT_MS + 10_000;
    backendClock.advance(pastTimeout);
    await watcher.clock.fastForward(pastTimeout);
    // Wait until the open tab's heartbeat from after the jump has landed and the worker has folded it.
    const activeNow = async () => {
      const outcome = await server.deployment.query("stats:getActiveVisitors", {});
      return outcome.success ? (outcome.value as { activeVisitors: number }).activeVisitors : outcome.errorMessage;
    };
    await expect.poll(activeNow).toBe(1);

    const [cleanup] = await server.deployment.runCrons();
    expect(cleanup).toMatchObject({ success: true, value: { deleted: 1, more: false } });
    await expect.poll(() => readDashboard(dashboard)).toMatchObject({ activeNow: 1, activeByPath: { "/stats": 1 } });
    expect(await wasNeverReloaded(dashboard)).toBe(true);
  });
});
