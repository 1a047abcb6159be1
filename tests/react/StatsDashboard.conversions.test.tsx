import { act, cleanup, fireEvent, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { renderStatsPage } from "../support/renderStatsPage";
import { ConvexTestBridge } from "../support/testBridge";
import { askedOfRanges } from "../support/rangeQueries";

// Sunday, November 15, 2026, noon UTC.
const NOW = Date.UTC(2026, 10, 15, 12);
const at = (date: number, hour: number, minute = 0) => Date.UTC(2026, 10, date, hour, minute);
const MINUTE = 60_000;

const CHROME_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const GOOGLE: Visit = { referrer: "https://www.google.com/", userAgent: CHROME_WINDOWS, timeZone: "Europe/Paris", language: "fr-FR", screenWidth: 1600 };
const DIRECT: Visit = { userAgent: CHROME_WINDOWS, timeZone: "Europe/Berlin", language: "de", screenWidth: 1200 };

type Visit = { referrer?: string; userAgent: string; timeZone: string; language: string; screenWidth: number };
type Step = { view: string } | { event: string; props?: Record<string, string>; revenue?: number };

let bridge: ConvexTestBridge;

/** A visitor's visit: its steps (a view of a page, or a custom event), one a minute from `start`. */
async function visit(start: number, context: Visit, ...steps: Step[]) {
  const sessionId = crypto.randomUUID();
  for (const [index, step] of steps.entries()) {
    vi.setSystemTime(start + index * MINUTE);
    if ("view" in step) await bridge.mutation(api.stats.recordPageView, { path: step.view, pageType: "post", sessionId, visit: context });
    else {
      const props = Object.entries(step.props ?? {}).map(([key, value]) => ({ key, value }));
      await bridge.mutation(api.stats.trackEvent, { sessionId, name: step.event, path: "/a", props, ...(step.revenue === undefined ? {} : { revenue: { amount: step.revenue, currency: "USD" } }) });
    }
  }
}

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  bridge = new ConvexTestBridge();
  localStorage.clear();
  // Today: four visitors; two sign up (one on the pro plan, paying $29), one downloads a file.
  await visit(at(15, 9), GOOGLE, { view: "/a" }, { view: "/b" }, { event: "Signup", props: { plan: "pro" }, revenue: 29 });
  await visit(at(15, 9, 10), DIRECT, { view: "/a" }, { event: "Signup", props: { plan: "free" } }, { event: "Download", props: { file: "guide.pdf" } });
  await visit(at(15, 9, 20), DIRECT, { view: "/b" });
  await visit(at(15, 9, 30), GOOGLE, { view: "/a" });
  await act(() => bridge.runWorker());
  vi.setSystemTime(NOW);
});
afterEach(async () => {
  cleanup();
  await bridge.settled();
  vi.useRealTimers();
  localStorage.clear();
});

const renderStats = (url = "/stats?period=today", props?: Parameters<typeof renderStatsPage>[2]) => renderStatsPage(bridge, url, props);

async function settle() {
  await act(() => bridge.runWorker());
}

const createGoal = (goal: { name: string; event?: string; page?: string }) => bridge.t.mutation(internal.stats.createGoal, goal);

const location = () => decodeURIComponent(screen.getByTestId("location").textContent ?? "");
const value = (testId: string) => within(screen.getByTestId(testId)).getByTestId("stat-value").textContent;
const goalsPanel = () => screen.getByTestId("goals-panel");
/** A table's rows as their cells' text, the name first. */
const cells = (table: HTMLElement) => [...table.querySelectorAll("tbody tr")].map((tr) => [...tr.querySelectorAll("th, td")].map((cell) => cell.textContent));
const rowButton = (table: HTMLElement, value: string) => within(table.querySelector(`tbody tr[data-value="${value}"]`) as HTMLElement).getByRole("button");
/** The breakdowns asked in the dashboard's one query, by property, in order. */
const askedBreakdowns = () => askedOfRanges(bridge).breakdown.map(({ property }) => property);

vi.setConfig({ testTimeout: 20_000 });

describe("the Goals panel", () => {
  test("goals first, then every event by name, with unique and total conversions, conversion rate and revenue in the site's currency", async () => {
    await createGoal({ name: "Sign-ups", event: "Signup" });
    await createGoal({ name: "Read a", page: "/a" });
    renderStats();
    await settle();
    expect(within(goalsPanel()).getByRole("heading", { level: 2 }).textContent).toBe("Goals");
    expect(within(goalsPanel()).getAllByRole("tab").map((tab) => tab.textContent)).toEqual(["Goals", "Events"]);
    const goals = within(goalsPanel()).getByTestId("goals-table");
    expect([...goals.querySelectorAll("thead th")].map((th) => th.textContent)).toEqual(["Goal", "Unique", "Total", "CR", "Revenue", "Average"]);
    // Three of the four visitors read /a; two signed up, one paying $29 (an average of $14.50 a sign-up).
    expect(cells(goals)).toEqual([
      ["Read a", "3", "3", "75%", "–", "–"],
      ["Sign-ups", "2", "2", "50%", "$29.00", "$14.50"],
    ]);
    fireEvent.click(within(goalsPanel()).getByRole("tab", { name: "Events" }));
    await settle();
    const events = within(goalsPanel()).getByTestId("events-table");
    expect(cells(events).map(([name, unique, total, rate]) => [name, unique, total, rate])).toEqual([
      ["Signup", "2", "2", "50%"],
      ["Download", "1", "1", "25%"],
    ]);
  });

  test("choosing a goal filters everything by it: the conversions' cards, and its properties, a key's values each a filter", async () => {
    await createGoal({ name: "Sign-ups", event: "Signup" });
    renderStats();
    await settle();
    fireEvent.click(rowButton(within(goalsPanel()).getByTestId("goals-table"), "Sign-ups"));
    await settle();
    expect(location()).toBe("?period=today&filter=goal:Sign-ups");
    expect(screen.getByTestId("filter-chip").textContent).toContain("Goal is Sign-ups");
    // The cards are the goal's conversions (of the four visitors), with its revenue.
    expect(value("stat-range-unique-conversions")).toBe("2");
    expect(value("stat-range-total-conversions")).toBe("2");
    expect(value("stat-range-conversion-rate")).toBe("50%");
    expect(value("stat-range-revenue")).toBe("$29.00");
    expect(value("stat-range-average-revenue")).toBe("$14.50");
    expect(screen.queryByTestId("stat-range-bounce-rate")).toBeNull();
    // The chart can draw the conversions.
    expect([...screen.getByTestId<HTMLSelectElement>("chart-metric").options].map((option) => option.value)).toContain("events");

    // The panel turned to the goal's properties: the keys first, then the first key's values, in the one query.
    const tab = within(goalsPanel()).getByRole("tab", { name: "Properties" });
    expect(tab.getAttribute("aria-selected")).toBe("true");
    expect(askedBreakdowns().slice(4)).toEqual(["props", "prop:plan"]);
    expect(within(goalsPanel()).getByTestId<HTMLSelectElement>("property-key").value).toBe("plan");
    const values = within(goalsPanel()).getByTestId("property-values-table");
    expect(cells(values).map(([name, unique, total, rate]) => [name, unique, total, rate])).toEqual([
      ["free", "1", "1", "25%"],
      ["pro", "1", "1", "25%"],
    ]);
    fireEvent.click(rowButton(values, "pro"));
    await settle();
    expect(location()).toBe("?period=today&filter=goal:Sign-ups&filter=prop:plan:pro");
    expect(rowButton(within(goalsPanel()).getByTestId("property-values-table"), "pro").getAttribute("aria-pressed")).toBe("true");
    expect(value("stat-range-unique-conversions")).toBe("1");
    expect(value("stat-range-revenue")).toBe("$29.00");
  });

  test("the Signup event's properties: the key chosen is remembered; an event without any says so", async () => {
    renderStats("/stats?period=today&filter=event:Download");
    await settle();
    fireEvent.click(within(goalsPanel()).getByRole("tab", { name: "Properties" }));
    await settle();
    expect(askedBreakdowns().slice(4)).toEqual(["props", "prop:file"]);
    expect(cells(within(goalsPanel()).getByTestId("property-values-table")).map(([name]) => name)).toEqual(["guide.pdf"]);
    cleanup();

    // No goal converted under an event filter with no such event; its properties: none.
    renderStats("/stats?period=today&filter=event:Nothing");
    await settle();
    expect(within(goalsPanel()).getByTestId("properties-empty").textContent).toContain("No property on the event Nothing's events");
    fireEvent.click(within(goalsPanel()).getByRole("tab", { name: "Goals" }));
    await settle();
    expect(within(goalsPanel()).getByTestId("goals-empty").textContent).toContain("No goals yet");
    expect(within(goalsPanel()).getByTestId("goals-empty").textContent).toContain("stats:createGoal");
  });
});
