import { beforeEach, describe, expect, it } from "vitest";
import { setTimeout as delay } from "node:timers/promises";
import type { Page } from "playwright-core";
import { EXCLUDE_ME_STORAGE_KEY, SESSION_TIMEOUT_MS } from "../../src/shared/config";
import { backendClock } from "../../tools/local-convex/clock";
import { useSiteVisitors } from "./support/siteVisitors";
import { queryValue } from "./support/statsRange";
import { MutationWatcher, openDashboard, PANEL_POLL, readDashboard, showEvents, wasNeverReloaded } from "./support/dashboard";

const blog = useSiteVisitors();
const { newVisitor } = blog;
let post: { path: string; title: string };
let otherPost: string;

beforeEach(async () => {
  const [first, second] = await queryValue<{ slug: string; title: string }[]>(blog.server().deployment, "content:listPosts", {});
  post = { path: `/${first.slug}`, title: first.title };
  otherPost = `/${second.slug}`;
});

/** Nothing yet: /stats itself is never counted, nor does it send heartbeats. */
const EMPTY = { activeNow: 0, totalViews: 0, uniqueVisitors: 0, viewsByPage: {}, activeByPath: {} };

describe("/stats updates live while the site is browsed", () => {
  it("counts another tab's browsing by the dedup rules, with no reload", async () => {
    const visitor = await newVisitor();
    const dashboard = await openDashboard(visitor);
    await expect.poll(() => readDashboard(dashboard)).toEqual(EMPTY);

    // Same browser, second tab: same visitor, and the only one of its tabs that heartbeats.
    const tab = await visitor.newPage();
    const mutations = new MutationWatcher(tab);
    await tab.goto("/");
    await expect.poll(() => readDashboard(dashboard)).toEqual({
      activeNow: 1,
      totalViews: 1,
      uniqueVisitors: 1,
      viewsByPage: { "/": 1 },
      activeByPath: { "/": 1 },
    });

    await tab.locator(`a[href="${post.path}"]`).first().click();
    await expect.poll(() => readDashboard(dashboard)).toMatchObject({
      totalViews: 2,
      viewsByPage: { "/": 1, [post.path]: 1 },
      activeByPath: { [post.path]: 1 },
    });

    await tab.locator('a[href="/about"]').first().click();
    await expect.poll(() => readDashboard(dashboard)).toMatchObject({
      totalViews: 3,
      viewsByPage: { "/": 1, [post.path]: 1, "/about": 1 },
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
      totalViews: 3,
      uniqueVisitors: 1,
      viewsByPage: { "/": 1, [post.path]: 1, "/about": 1 },
      activeByPath: { [post.path]: 1 },
    });
    expect(await wasNeverReloaded(dashboard)).toBe(true);
  });

  it("counts a second visitor once, and a reload within 30 minutes adds no view", async () => {
    const first = await newVisitor();
    const dashboard = await openDashboard(first);
    await expect.poll(() => readDashboard(dashboard)).toEqual(EMPTY);
    const tab = await first.newPage();
    const mutations = new MutationWatcher(tab);
    await tab.goto(post.path);
    await expect.poll(() => readDashboard(dashboard)).toMatchObject({ totalViews: 1, uniqueVisitors: 1, activeByPath: { [post.path]: 1 } });

    const second = await (await newVisitor()).newPage();
    await second.goto(post.path);
    const withSecondVisitor = {
      activeNow: 2,
      totalViews: 2,
      uniqueVisitors: 2,
      viewsByPage: { [post.path]: 2 },
      activeByPath: { [post.path]: 2 },
    };
    await expect.poll(() => readDashboard(dashboard)).toEqual(withSecondVisitor);

    await tab.reload();
    // The post was this visitor's first view (the dashboard is not counted).
    await expect.poll(() => mutations.answers("stats:recordPageView", { path: post.path })).toEqual([
      { recorded: true, newVisitor: true },
      { recorded: false, newVisitor: false },
    ]);
    expect(await readDashboard(dashboard)).toEqual(withSecondVisitor);

    // A path this visitor has not seen still counts, so the reload was the only thing not counted.
    await tab.goto(otherPost);
    await expect.poll(() => readDashboard(dashboard)).toMatchObject({
      totalViews: 3,
      uniqueVisitors: 2,
      viewsByPage: { [post.path]: 2, [otherPost]: 1 },
    });
    expect(await wasNeverReloaded(dashboard)).toBe(true);
  });

  it("the blog's not-found page sends a 404 event, live in the Goals panel's Events tab", async () => {
    const visitor = await newVisitor();
    const dashboard = await openDashboard(visitor);
    await expect.poll(() => readDashboard(dashboard)).toEqual(EMPTY);
    await (await visitor.newPage()).goto("/no-such-post");
    await showEvents(dashboard);
    const rows = () => dashboard.locator('[data-testid="events-table"] tbody tr').allTextContents();
    // One visitor, one event: all of the range's visitors converted (name, visitors, events, conversion rate).
    await expect.poll(rows, PANEL_POLL).toEqual(["404" + "1" + "1" + "100%"]);
    expect(await wasNeverReloaded(dashboard)).toBe(true);
  });

  it("drops a closed tab from Active now once its session times out and the cleanup runs", async () => {
    const watcher = await newVisitor();
    // The watcher's clock jumps with the server's, so its tab on the home page keeps heartbeating across the jump.
    await watcher.clock.install();
    const dashboard = await openDashboard(watcher);
    await (await watcher.newPage()).goto("/");
    const reader = await newVisitor();
    await (await reader.newPage()).goto(post.path);
    await expect.poll(() => readDashboard(dashboard)).toMatchObject({ activeNow: 2, activeByPath: { "/": 1, [post.path]: 1 } });

    await reader.close();
    const pastTimeout = SESSION_TIMEOUT_MS + 10_000;
    backendClock.advance(pastTimeout);
    await watcher.clock.fastForward(pastTimeout);
    // Wait until the open tab's heartbeat from after the jump has landed and the worker has folded it.
    const activeNow = async () => {
      const outcome = await blog.server().deployment.query("stats:getActiveVisitors", {});
      return outcome.success ? (outcome.value as { activeVisitors: number }).activeVisitors : outcome.errorMessage;
    };
    await expect.poll(activeNow).toBe(1);

    const [cleanup] = await blog.server().deployment.runCrons();
    // Idle live rows: the reader's, and the watcher's too when its tab's first beat came before its view (its later beats went to its visit).
    expect(cleanup).toMatchObject({ success: true, value: { pruned: 0, more: false } });
    expect(cleanup.success && (cleanup.value as { deleted: number }).deleted).toBeGreaterThanOrEqual(1);
    await expect.poll(() => readDashboard(dashboard)).toMatchObject({ activeNow: 1, activeByPath: { "/": 1 } });
    expect(await wasNeverReloaded(dashboard)).toBe(true);
  });
});

describe("what the tracker never counts", () => {
  /** Lets `page` show `path` and the tracker do whatever it would (it records once the page knows its type), then lists what it sent. */
  async function sentOn(page: Page, mutations: MutationWatcher, path: string, heading: string) {
    await page.goto(path);
    await page.getByRole("heading", { level: 1, name: heading }).waitFor();
    await delay(1_000);
    return { views: mutations.sent("stats:recordPageView"), heartbeats: mutations.sent("stats:heartbeat") };
  }

  it("an automated browser that has not opted in, the dashboard, and a browser its owner excluded", async () => {
    const dashboard = await openDashboard(await newVisitor());
    await expect.poll(() => readDashboard(dashboard)).toEqual(EMPTY);

    // Headless Chromium with a person's user agent: navigator.webdriver gives it away.
    const robot = await (await newVisitor({}, { automated: true })).newPage();
    expect(await robot.evaluate(() => navigator.webdriver)).toBe(true);
    expect(await sentOn(robot, new MutationWatcher(robot), post.path, post.title)).toEqual({ views: [], heartbeats: [] });

    // The owner turns on the switch on /stats: the pages after it send nothing either.
    const owner = await (await newVisitor()).newPage();
    const ownerMutations = new MutationWatcher(owner);
    await owner.goto("/stats");
    await owner.getByRole("switch", { name: "Don't count my visits from this browser" }).check();
    expect(await owner.evaluate((key) => localStorage.getItem(key), EXCLUDE_ME_STORAGE_KEY)).toBe("true");
    await owner.locator('a[href="/"]').first().click();
    await owner.locator(`a[href="${post.path}"]`).first().click();
    await owner.getByRole("heading", { level: 1, name: post.title }).waitFor();
    await delay(1_000);
    expect(ownerMutations.sent("stats:recordPageView")).toEqual([]);
    expect(ownerMutations.sent("stats:heartbeat")).toEqual([]);

    // A person's browser is counted, with where it came from and what it is on.
    const reader = await (await newVisitor()).newPage();
    const readerMutations = new MutationWatcher(reader);
    await reader.goto(`${post.path}?utm_source=newsletter`, { referer: "https://news.ycombinator.com/item?id=1" });
    await expect.poll(() => readDashboard(dashboard)).toEqual({
      activeNow: 1,
      totalViews: 1,
      uniqueVisitors: 1,
      viewsByPage: { [post.path]: 1 },
      activeByPath: { [post.path]: 1 },
    });
    expect(readerMutations.sent("stats:recordPageView")).toEqual([
      {
        path: post.path,
        pageType: "post",
        sessionId: expect.any(String),
        visit: {
          referrer: "https://news.ycombinator.com/item",
          utmSource: "newsletter",
          screenWidth: 1280,
          language: expect.any(String),
          timeZone: expect.any(String),
          userAgent: expect.stringMatching(/^Mozilla\/5\.0 \(X11; Linux x86_64\).* Chrome\/\d+\.0\.0\.0 Safari\/537\.36$/),
        },
      },
    ]);
    expect(await wasNeverReloaded(dashboard)).toBe(true);
  });
});
