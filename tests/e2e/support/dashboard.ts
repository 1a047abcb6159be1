import type { BrowserContext, Page } from "playwright-core";
import { expect } from "vitest";
import { PANELS_REFRESH_MS } from "../../../src/shared/config";

/**
 * expect.poll's options for a breakdown panel or the Goals panel to show new traffic: the dashboard asks them again at
 * most every PANELS_REFRESH_MS (prds/dashboard-cost.md, "Within the budget"), on top of the polls' usual 5 s.
 */
export const PANEL_POLL = { timeout: PANELS_REFRESH_MS + 5_000 };

/** What /stats shows, read through its stable test ids; a figure still loading is null. */
export type Dashboard = {
  activeNow: number | null;
  totalViews: number | null;
  uniqueVisitors: number | null;
  viewsByPage: Record<string, number>;
  activeByPath: Record<string, number>;
};

export async function readDashboard(page: Page): Promise<Dashboard> {
  return await page.evaluate(() => {
    // Figures carry thousands separators ("1,234").
    const number = (element: Element | null) => (element?.textContent ? Number(element.textContent.replace(/\D/g, "")) : null);
    const card = (testId: string) => number(document.querySelector(`[data-testid="${testId}"] [data-testid="stat-value"]`));
    const byPath = (rows: string, count: string) =>
      Object.fromEntries(
        [...document.querySelectorAll(rows)].map((row) => [row.getAttribute("data-path"), number(row.querySelector(`[data-testid="${count}"]`))]),
      );
    return {
      activeNow: card("stat-active-now"),
      totalViews: card("stat-total-views"),
      uniqueVisitors: card("stat-unique-visitors"),
      viewsByPage: byPath('[data-testid="views-by-page"] tr[data-path]', "page-views"),
      activeByPath: byPath('[data-testid="active-by-path"] [data-path]', "active-count"),
    };
  });
}

/** Opens the dashboard (`/stats` and its query) and marks the document, so a test can tell it was never reloaded. */
export async function openDashboard(context: BrowserContext, path = "/stats"): Promise<Page> {
  const page = await context.newPage();
  await page.goto(path);
  await page.evaluate(() => ((window as { loadedOnce?: boolean }).loadedOnce = true));
  return page;
}

/** Turns the Goals panel to its Events tab (every event name seen; Goals is the tab a new browser shows first). */
export async function showEvents(page: Page): Promise<void> {
  await page.locator('[data-testid="goals-panel"] [role="tab"]', { hasText: "Events" }).click();
}

/** The Events tab's rows (name first), read once it shows `count` of them. */
export async function readEventRows(page: Page, count: number): Promise<string[]> {
  await showEvents(page);
  const rows = () => page.locator('[data-testid="events-table"] tbody tr').allTextContents();
  await expect.poll(async () => (await rows()).length, PANEL_POLL).toBe(count);
  return await rows();
}

/** A visitor's clicks on the page's outbound link (closing the tab it opens) and its download link, each waited for. */
export async function clickOutboundAndDownload(context: BrowserContext, page: Page): Promise<void> {
  const opened = context.waitForEvent("page");
  await page.click("#outbound");
  await (await opened).close();
  await Promise.all([page.waitForEvent("download"), page.click("#download")]);
}

export const wasNeverReloaded = (page: Page) => page.evaluate(() => (window as { loadedOnce?: boolean }).loadedOnce === true);

/** A figure of the range cards: the number shown (null while loading) and its change against the previous period as the eye reads it ("▲ 12%"). */
export type RangeFigure = { value: number | null; change: string | null };

/** What the date range drives at the top of /stats: its label (dates and zone) and the Visitors and Page views cards. */
export type RangeCards = { label: string | null; visitors: RangeFigure; pageviews: RangeFigure };

export async function readRangeCards(page: Page): Promise<RangeCards> {
  return await page.evaluate(() => {
    // Intl puts thin and narrow no-break spaces in ranges and times.
    const text = (element: Element | null) => element?.textContent?.replace(/\s/g, " ") ?? null;
    const figure = (testId: string) => {
      const card = document.querySelector(`[data-testid="${testId}"]`);
      const value = card?.querySelector('[data-testid="stat-value"]')?.textContent;
      return {
        value: value ? Number(value.replace(/\D/g, "")) : null,
        change: text(card?.querySelector('[data-testid="period-change"] [aria-hidden="true"]') ?? null),
      };
    };
    const label = text(document.querySelector('[data-testid="range-label"]'));
    return { label: label || null, visitors: figure("stat-range-visitors"), pageviews: figure("stat-range-pageviews") };
  });
}

/** One row of the chart's table of figures: a bucket, marked live ("so far") when it is still being counted. */
export type ChartRow = {
  start: number;
  label: string;
  live: boolean;
  visitors: number;
  pageviews: number;
  /** The previous period's bucket beside it; absent when the chart has no previous period. */
  previous?: { label: string; visitors: number | null; pageviews: number | null };
};

/** Every row of the chart's table (TimeseriesChart's accessible figures), oldest first; [] before the chart has any. */
export async function readChartTable(page: Page): Promise<ChartRow[]> {
  return await page.evaluate(() => {
    const text = (element: Element | null | undefined) => element?.textContent?.replace(/\s/g, " ").trim() ?? "";
    // "–" where the previous period has no such bucket.
    const number = (element: Element | null | undefined) => (/\d/.test(text(element)) ? Number(text(element).replace(/\D/g, "")) : null);
    const rows = document.querySelectorAll('[data-testid="timeseries"] [data-testid="timeseries-table"] tbody tr');
    return [...rows].map((row) => {
      const header = row.querySelector("th");
      const cells = row.querySelectorAll("td");
      const soFar = header?.querySelector(".timeseries-so-far");
      const chartRow: ChartRow = {
        start: Number(row.getAttribute("data-start")),
        label: text(header).replace(/ \(so far\)$/, ""),
        live: soFar !== null && soFar !== undefined,
        visitors: number(cells[0])!,
        pageviews: number(cells[1])!,
      };
      if (cells.length === 5) chartRow.previous = { label: text(cells[2]), visitors: number(cells[3]), pageviews: number(cells[4]) };
      return chartRow;
    });
  });
}

/** The range's top pages as listed: path, visitors, views. */
export async function readTopPages(page: Page): Promise<{ path: string; visitors: number; pageviews: number }[]> {
  return await page.evaluate(() => {
    const number = (element: Element | null) => Number(element?.textContent?.replace(/\D/g, "") ?? NaN);
    return [...document.querySelectorAll('[data-testid="top-pages"] tr[data-path]')].map((row) => ({
      path: row.getAttribute("data-path")!,
      visitors: number(row.querySelector('[data-testid="top-page-visitors"]')),
      pageviews: number(row.querySelector('[data-testid="top-page-views"]')),
    }));
  });
}

type MutationCall = { udfPath: string; args: Record<string, unknown>; result?: { success: boolean; result: unknown } };

/**
 * Watches the Convex mutations a page sends over its sync socket (across
 * reloads), so a test can wait for the server's answer to one of them.
 */
export class MutationWatcher {
  private readonly calls: MutationCall[] = [];

  constructor(page: Page) {
    page.on("websocket", (socket) => {
      const pending = new Map<number, MutationCall>();
      socket.on("framesent", ({ payload }) => {
        const message = JSON.parse(String(payload));
        if (message.type !== "Mutation") return;
        const call: MutationCall = { udfPath: message.udfPath, args: message.args[0] };
        pending.set(message.requestId, call);
        this.calls.push(call);
      });
      socket.on("framereceived", ({ payload }) => {
        const message = JSON.parse(String(payload));
        const call = message.type === "MutationResponse" ? pending.get(message.requestId) : undefined;
        if (call) call.result = { success: message.success, result: message.result };
      });
    });
  }

  /** The arguments of every `udfPath` call sent so far, answered or not. */
  sent(udfPath: string): Record<string, unknown>[] {
    return this.calls.filter((call) => call.udfPath === udfPath).map((call) => call.args);
  }

  /** The answers received so far to `udfPath` calls whose arguments include `args`. */
  answers(udfPath: string, args: Record<string, unknown>): unknown[] {
    return this.calls
      .filter((call) => call.udfPath === udfPath && call.result && Object.entries(args).every(([key, value]) => call.args[key] === value))
      .map((call) => call.result!.result);
  }
}
