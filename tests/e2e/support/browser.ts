import { chromium, type Browser, type BrowserContext, type BrowserContextOptions } from "playwright-core";
import { COUNT_AUTOMATION_STORAGE_KEY } from "../../../src/shared/config";

/** Debian's Chromium (apt-get install chromium): Playwright's own browser downloads are not available here. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

export async function launchChromium(): Promise<Browser> {
  return await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-background-networking",
      "--disable-gpu",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/**
 * The user agent of a desktop Chrome of this Chromium's major version. Headless Chromium's own
 * says "HeadlessChrome", which both the tracker (automation) and the server (a bot) turn away.
 */
export function desktopChromeUserAgent(browser: Browser): string {
  const major = browser.version().split(".")[0];
  return `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${major}.0.0.0 Safari/537.36`;
}

/**
 * A context that the tracker counts like a person's browser: a desktop Chrome user agent, and
 * opted in to counting automation (navigator.webdriver stays true under Playwright), as a test
 * may per prds/visits.md. Each context is one visitor (its own localStorage, so its own session).
 */
export async function newCountedContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await newAutomatedContext(browser, options);
  await context.addInitScript((key) => {
    try {
      localStorage.setItem(key, "true");
    } catch {
      // about:blank and other opaque origins have no storage; the site's pages do.
    }
  }, COUNT_AUTOMATION_STORAGE_KEY);
  return context;
}

/** A context as Playwright drives it, with a desktop user agent but not opted in: only navigator.webdriver tells it from a person, and the tracker must send nothing. */
export async function newAutomatedContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  return await browser.newContext({ userAgent: desktopChromeUserAgent(browser), ...options });
}
