import fs from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import { expect } from "vitest";

// For a person to look at after a run (not compared against anything).
export const SCREENSHOT_DIR = fileURLToPath(new URL("../../../test-results/", import.meta.url));

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

/** A device and colour scheme to look at a page in, named as the file names say it ("desktop-light"). */
export type Look = { name: string; options: BrowserContextOptions };

export const looks = (widths: ("desktop" | "phone")[], schemes: ("light" | "dark")[]): Look[] =>
  widths.flatMap((width) =>
    schemes.map((colorScheme) => ({
      name: `${width}-${colorScheme}`,
      options: { viewport: width === "desktop" ? DESKTOP : PHONE, isMobile: width === "phone", colorScheme },
    })),
  );

/**
 * Opens `path` in a fresh context (`options` on top of the base URL), waits for `ready`, and writes a
 * full-page screenshot to test-results/<name>.png. Fails if the page threw meanwhile. Returns the file's path.
 */
export async function screenshot(
  browser: Browser,
  context: BrowserContextOptions & { baseURL: string },
  path: string,
  ready: (page: Page) => Promise<void>,
  name: string,
): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const opened = await browser.newContext(context);
  const errors: string[] = [];
  opened.on("weberror", (error) => errors.push(String(error.error())));
  try {
    const page = await opened.newPage();
    await page.goto(path);
    await ready(page);
    const file = `${SCREENSHOT_DIR}${name}.png`;
    await page.screenshot({ path: file, fullPage: true, animations: "disabled" });
    expect(fs.statSync(file).size).toBeGreaterThan(0);
    expect(errors, `errors on ${path}`).toEqual([]);
    return file;
  } finally {
    await opened.close();
  }
}
