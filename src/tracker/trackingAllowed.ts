import { COUNT_AUTOMATION_STORAGE_KEY, EXCLUDE_ME_STORAGE_KEY, UNTRACKED_PATHS } from "../shared/config.js";

/** A localStorage flag; false where storage is blocked. */
function flag(key: string): boolean {
  try {
    return localStorage.getItem(key) === "true";
  } catch {
    return false;
  }
}

/** A test or crawler driving the browser (WebDriver, Playwright, Puppeteer, headless Chrome). */
export function isAutomated(): boolean {
  return navigator.webdriver || /HeadlessChrome/.test(navigator.userAgent);
}

/** Whether this browser may be counted at all (prds/visits.md): not the owner's excluded browser, not automation that has not opted in. */
export function isBrowserCounted(): boolean {
  return !flag(EXCLUDE_ME_STORAGE_KEY) && (!isAutomated() || flag(COUNT_AUTOMATION_STORAGE_KEY));
}

/** A developer's own machine (localhost, 127.x.x.x, [::1]): the script tag skips it unless told otherwise (prds/script.md). */
export function isLocalHost(hostname: string): boolean {
  return /^(localhost|127(\.\d+){3}|\[::1\])$/.test(hostname);
}

/** Whether the React tracker may send anything for `path`: a counted browser, and not the dashboard. */
export function shouldTrack(path: string): boolean {
  // React Router matches paths case-insensitively, so /Stats is the dashboard too.
  const lower = path.toLowerCase();
  return !UNTRACKED_PATHS.some((untracked) => lower === untracked || lower.startsWith(`${untracked}/`)) && isBrowserCounted();
}
