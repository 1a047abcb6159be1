import { act, cleanup, fireEvent, screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { StatsApi } from "../../src/react/statsApi";
import { renderStatsPage } from "../support/renderStatsPage";
import { ConvexTestBridge, cleanUpAfterEach } from "../support/testBridge";
import { askedOfRanges } from "../support/rangeQueries";
import { PANELS_REFRESH_MS } from "../../src/shared/config";

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
cleanUpAfterEach(() => bridge, () => localStorage.clear());

const renderStats = (url = "/stats?period=today", props?: Parameters<typeof renderStatsPage>[2]) => renderStatsPage(bridge, url, props);

async function settle() {
  await act(() => bridge.runWorker());
}

const createGoal = (goal: { name: string; event?: string; page?: string }) => bridge.t.mutation(internal.stats.createGoal, goal);
const createFunnel = (funnel: { name: string; steps: string[] }) => bridge.t.mutation(internal.stats.createFunnel, funnel);

const location = () => decodeURIComponent(screen.getByTestId("location").textContent ?? "");
const value = (testId: string) => within(screen.getByTestId(testId)).getByTestId("stat-value").textContent;
const goalsPanel = () => screen.getByTestId("goals-panel");
const funnelsPanel = () => screen.getByTestId("funnels-panel");
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

  test("a goal made while the dashboard is open shows in the panel at its next ask, with no new traffic", async () => {
    await createGoal({ name: "Sign-ups", event: "Signup" });
    renderStats();
    await settle();
    const goals = () => cells(within(goalsPanel()).getByTestId("goals-table")).map(([name]) => name);
    expect(goals()).toEqual(["Sign-ups"]);
    await act(() => createGoal({ name: "Downloads", event: "Download" }));
    await settle();
    // The live figures did not change; the goals did, so the panels are asked again, PANELS_REFRESH_MS after their last ask.
    expect(goals()).toEqual(["Sign-ups"]);
    await act(() => vi.advanceTimersByTime(PANELS_REFRESH_MS));
    await settle();
    expect(goals()).toEqual(["Sign-ups", "Downloads"]);
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

  test("Show more: the Events tab asks for 100 names and expands in place", async () => {
    const names = Array.from({ length: 10 }, (_, i) => ({ event: `Clicked ${i + 1}` }));
    await visit(at(15, 10), DIRECT, { view: "/a" }, ...names);
    await act(() => bridge.runWorker());
    vi.setSystemTime(NOW);
    renderStats();
    await settle();
    fireEvent.click(within(goalsPanel()).getByRole("tab", { name: "Events" }));
    await settle();
    const events = () => cells(within(goalsPanel()).getByTestId("events-table"));
    expect(events()).toHaveLength(10);
    fireEvent.click(within(goalsPanel()).getByRole("button", { name: "Show more" }));
    await settle();
    expect(askedOfRanges(bridge).breakdown.at(-1)).toEqual(expect.objectContaining({ property: "event", limit: 100 }));
    // Signup, Download and the ten clicks.
    expect(events()).toHaveLength(12);
    expect(goalsPanel().className).toContain("is-expanded");
    expect(within(goalsPanel()).getByRole("button", { name: "Show fewer" }).getAttribute("aria-expanded")).toBe("true");
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

describe("the Filter menu's goals, events and event properties", () => {
  const chips = () => screen.queryAllByTestId("filter-chip").map((chip) => chip.textContent);
  const askedOfBreakdown = () => bridge.watchedArgs("stats:breakdown") as Record<string, unknown>[];
  async function openMenu(property: string) {
    fireEvent.click(screen.getByRole("button", { name: "Filter" }));
    const dialog = screen.getByRole("dialog", { name: "Add a filter" });
    fireEvent.change(within(dialog).getByRole("combobox", { name: "Property" }), { target: { value: property } });
    await settle();
    return dialog;
  }
  const options = (dialog: HTMLElement, list: string) => within(within(dialog).getByRole("listbox", { name: list })).queryAllByRole("option").map((option) => option.textContent);

  test("a goal: is only, and why; the goals converted under the other filters listed; applied as goal:<name>, its chip removed like any", async () => {
    await createGoal({ name: "Sign-ups", event: "Signup" });
    await createGoal({ name: "Read a", page: "/a" });
    renderStats("/stats?period=today&filter=source:Google");
    await settle();
    const dialog = await openMenu("goal");
    const operator = within(dialog).getByRole<HTMLSelectElement>("combobox", { name: "Operator" });
    expect([...operator.options].map((option) => [option.value, option.disabled])).toEqual([
      ["is", false],
      ["isNot", true],
      ["contains", true],
    ]);
    expect(document.getElementById(operator.getAttribute("aria-describedby")!)?.textContent).toBe('A goal filter takes "is" only: it keeps the visits that reached the goal.');
    // Both visits from Google read /a; one signed up.
    expect(new Set(options(dialog, "Goal values"))).toEqual(new Set(["Read a", "Sign-ups"]));
    expect(askedOfBreakdown()).toContainEqual(expect.objectContaining({ property: "goal", limit: 100, filters: [{ property: "source", op: "is", value: "Google" }] }));

    // A goal nobody made is not applied: the Stats API would refuse it.
    const valueField = within(dialog).getByRole("combobox", { name: "Value" });
    fireEvent.change(valueField, { target: { value: "Nope" } });
    expect(within(dialog).getByText('No goal is named "Nope".')).toBeTruthy();
    expect(within(dialog).getByRole<HTMLButtonElement>("button", { name: "Apply" }).disabled).toBe(true);

    fireEvent.change(valueField, { target: { value: "sign" } });
    expect(options(dialog, "Goal values")).toEqual(["Sign-ups"]);
    fireEvent.keyDown(valueField, { key: "ArrowDown" });
    fireEvent.keyDown(valueField, { key: "Enter" });
    fireEvent.click(within(dialog).getByRole("button", { name: "Apply" }));
    await settle();
    expect(location()).toBe("?period=today&filter=source:Google&filter=goal:Sign-ups");
    expect(chips()).toEqual(["Source is Google×", "Goal is Sign-ups×"]);
    expect(value("stat-range-unique-conversions")).toBe("1");

    fireEvent.click(screen.getByRole("button", { name: "Remove filter: Goal is Sign-ups" }));
    await settle();
    expect(location()).toBe("?period=today&filter=source:Google");
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Filter" }));
    expect(value("stat-range-visitors")).toBe("2");
  });

  test("an event: is not, a name picked from the range's events", async () => {
    renderStats();
    await settle();
    const dialog = await openMenu("event");
    fireEvent.change(within(dialog).getByRole("combobox", { name: "Operator" }), { target: { value: "isNot" } });
    await settle();
    expect(new Set(options(dialog, "Event values"))).toEqual(new Set(["Signup", "Download"]));
    fireEvent.click(within(within(dialog).getByRole("listbox")).getByRole("option", { name: "Download" }));
    fireEvent.click(within(dialog).getByRole("button", { name: "Apply" }));
    await settle();
    expect(location()).toBe("?period=today&filter=event!:Download");
    expect(chips()).toEqual(["Event is not Download×"]);
    // The events that are not downloads: the two sign-ups.
    expect(value("stat-range-unique-conversions")).toBe("2");
    expect(value("stat-range-total-conversions")).toBe("2");
  });

  test("an event property: a key picked from the events' keys, then one of its values; applied as prop:<key>:<value>", async () => {
    renderStats();
    await settle();
    const dialog = await openMenu("prop:");
    // The key comes before the operator and the value, in the order they are filled in.
    const fields = ["Property", "Key", "Operator", "Value"].map((name) => within(dialog).getByRole("combobox", { name }));
    expect(within(dialog).getAllByRole("combobox")).toEqual(fields);
    expect(new Set(options(dialog, "Property keys"))).toEqual(new Set(["plan", "file"]));
    expect(askedOfBreakdown()).toContainEqual(expect.objectContaining({ property: "props", limit: 100 }));
    const keyField = within(dialog).getByRole("combobox", { name: "Key" });
    fireEvent.change(keyField, { target: { value: "pl" } });
    await settle();
    // A key typed is not asked for its values, letter by letter.
    expect(askedOfBreakdown().map(({ property }) => property)).not.toContain("prop:pl");
    expect(options(dialog, "Property pl values")).toEqual([]);
    fireEvent.keyDown(keyField, { key: "ArrowDown" });
    fireEvent.keyDown(keyField, { key: "Enter" });
    await settle();
    expect((keyField as HTMLInputElement).value).toBe("plan");
    expect(new Set(options(dialog, "Property plan values"))).toEqual(new Set(["free", "pro"]));
    fireEvent.click(within(dialog).getByRole("option", { name: "pro" }));
    fireEvent.click(within(dialog).getByRole("button", { name: "Apply" }));
    await settle();
    expect(location()).toBe("?period=today&filter=prop:plan:pro");
    expect(chips()).toEqual(["Property plan is pro×"]);
    expect(screen.getByRole("button", { name: "Remove filter: Property plan is pro" })).toBeTruthy();
    expect(value("stat-range-unique-conversions")).toBe("1");
    expect(value("stat-range-revenue")).toBe("$29.00");
  });
});

describe("the Funnels panel", () => {
  beforeEach(async () => {
    await createGoal({ name: "Read a", page: "/a" });
    await createGoal({ name: "Read b", page: "/b" });
    await createGoal({ name: "Sign-ups", event: "Signup" });
  });

  test("each step's visits, its share of the first step's and the drop-off from the step before", async () => {
    await createFunnel({ name: "Read a then b", steps: ["Read a", "Read b"] });
    await createFunnel({ name: "Read then sign up", steps: ["Read a", "Sign-ups"] });
    renderStats();
    await settle();
    const steps = within(funnelsPanel()).getByTestId("funnel-steps");
    expect([...steps.querySelectorAll("thead th")].map((th) => th.textContent)).toEqual(["Step", "Visits", "Of first", "Dropped"]);
    // Three visits read /a; one of them read /b after it.
    expect(cells(steps)).toEqual([
      ["1. Read a", "3", "100%", "–"],
      ["2. Read b", "1", "33%", "2 (67%)"],
    ]);
    const bars = [...steps.querySelectorAll<HTMLElement>(".breakdown-bar")].map((bar) => bar.style.width);
    expect(bars.map((width) => Math.round(parseFloat(width)))).toEqual([100, 33]);

    // Another funnel, remembered.
    fireEvent.change(within(funnelsPanel()).getByTestId("funnel-choice"), { target: { value: "Read then sign up" } });
    await settle();
    expect(cells(within(funnelsPanel()).getByTestId("funnel-steps"))).toEqual([
      ["1. Read a", "3", "100%", "–"],
      ["2. Sign-ups", "2", "67%", "1 (33%)"],
    ]);
    cleanup();
    renderStats();
    await settle();
    expect(within(funnelsPanel()).getByTestId<HTMLSelectElement>("funnel-choice").value).toBe("Read then sign up");
  });

  test("under a goal filter it is counted under the other filters only, and says so", async () => {
    await createFunnel({ name: "Read a then b", steps: ["Read a", "Read b"] });
    renderStats(`/stats?period=today&filter=goal:Sign-ups&filter=${encodeURIComponent("source:Google")}`);
    await settle();
    expect(within(funnelsPanel()).getByTestId("funnel-filters-note").textContent).toMatch(/counts its own goals/);
    const asked = bridge.watchedArgs("stats:dashboardFunnel");
    expect(asked.map(({ filters }) => filters)).toEqual([[{ property: "source", op: "is", value: "Google" }]]);
    // Both visits from Google read /a; one read /b after it.
    expect(cells(within(funnelsPanel()).getByTestId("funnel-steps")).map(([step, visits]) => [step, visits])).toEqual([
      ["1. Read a", "2"],
      ["2. Read b", "1"],
    ]);
    cleanup();
    renderStats("/stats?period=today");
    await settle();
    expect(within(funnelsPanel()).queryByTestId("funnel-filters-note")).toBeNull();
    expect(bridge.watchedArgs("stats:dashboardFunnel")).toEqual([expect.not.objectContaining({ filters: expect.anything() })]);
  });

  test("no funnel yet: how to make one; a funnel made meanwhile shows at once", async () => {
    renderStats();
    await settle();
    expect(within(funnelsPanel()).getByTestId("funnels-empty").textContent).toContain(
      `npx convex run stats:createFunnel '{"name": "Checkout", "steps": ["Viewed pricing", "Started checkout", "Paid"]}'`,
    );
    await act(() => createFunnel({ name: "Read a then b", steps: ["Read a", "Read b"] }));
    await settle();
    expect(cells(within(funnelsPanel()).getByTestId("funnel-steps")).map(([step]) => step)).toEqual(["1. Read a", "2. Read b"]);
  });

  test("a funnel the server refuses to count says why in place", async () => {
    await createFunnel({ name: "Read a then b", steps: ["Read a", "Read b"] });
    await bridge.rewriteQuery("stats:dashboardFunnel", () => ({ refused: { code: "FILTER_TOO_BROAD", message: "Too many visits to read: choose a shorter range." } }));
    renderStats();
    await settle();
    const refused = within(funnelsPanel()).getByTestId("funnel-refused");
    expect(refused.dataset.code).toBe("FILTER_TOO_BROAD");
    expect(refused.textContent).toBe("Too many visits to read: choose a shorter range.");
  });

  test("an app that does not re-export the goals and funnels queries: no Funnels panel, the rest as before", async () => {
    const stats = api.stats as unknown as Record<string, unknown>;
    const required = ["recordPageView", "heartbeat", "listPageStats", "summary", "timeseries", "breakdown", "dashboardStats", "dashboardHistory", "settings", "rulesCheck", "watchDashboard"];
    const without = Object.fromEntries(required.map((name) => [name, stats[name]])) as StatsApi;
    renderStats("/stats?period=today", { api: without });
    await settle();
    expect(screen.queryByTestId("funnels-panel")).toBeNull();
    expect(value("stat-range-visitors")).toBe("4");
    expect(within(goalsPanel()).getByTestId("goals-table")).toBeTruthy();
    expect(bridge.watchedQueries()).not.toContain("stats:conversionSetup");
  });
});
