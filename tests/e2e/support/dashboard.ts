import type { Page } from "playwright-core";

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

  /** The answers received so far to `udfPath` calls whose arguments include `args`. */
  answers(udfPath: string, args: Record<string, unknown>): unknown[] {
    return this.calls
      .filter((call) => call.udfPath === udfPath && call.result && Object.entries(args).every(([key, value]) => call.args[key] === value))
      .map((call) => call.result!.result);
  }
}
