import { afterAll, afterEach, beforeAll, beforeEach, expect, inject } from "vitest";
import type { Browser, BrowserContext, BrowserContextOptions } from "playwright-core";
import { backendClock } from "../../../tools/local-convex/clock";
import type { LocalConvex } from "../../../tools/local-convex/server";
import { startSite } from "../../../tools/demo/site";
import { launchChromium, newAutomatedContext, newCountedContext } from "./browser";

/**
 * What a test file of the blog in Chromium needs: one browser for the file, the blog started afresh for each test
 * (crons run when a test says so), and its visitors, each a browser context of its own (its own localStorage, so its
 * own session id), counted as a person unless `automated`; after each test they close, the site stops, the clock is
 * the real one again, and the app must never have thrown. `env`: the deployment's environment, made before each start.
 */
export function useSiteVisitors({ env }: { env?: () => Promise<Record<string, string>> } = {}) {
  let browser: Browser;
  let server: LocalConvex;
  let contexts: BrowserContext[] = [];
  let pageErrors: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    ({ server } = await startSite({ port: inject("appPort"), appDir: inject("appDir"), runCronsOnSchedule: false, ...(env === undefined ? {} : { env: await env() }) }));
  });
  afterEach(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    contexts = [];
    await server.close();
    backendClock.reset();
    expect(pageErrors).toEqual([]);
    pageErrors = [];
  });

  return {
    browser: () => browser,
    server: () => server,
    /** A visitor of the blog (or of `options.baseURL`). */
    async newVisitor(options: BrowserContextOptions = {}, { automated = false } = {}): Promise<BrowserContext> {
      const context = await (automated ? newAutomatedContext : newCountedContext)(browser, { baseURL: server.url, ...options });
      context.on("weberror", (error) => pageErrors.push(String(error.error())));
      contexts.push(context);
      return context;
    },
  };
}
