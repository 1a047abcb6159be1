import { useState } from "react";
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { ConversionsPanel, useConversionsChoice, type ConversionsChoice } from "../../../src/react/components/ConversionsPanel";
import type { BreakdownPart, BreakdownRequest } from "../../../src/react/hooks/useDashboardStats";
import type { ConversionSetup } from "../../../src/react/hooks/useConversionSetup";
import { toggleIsFilter, type StatsFilter } from "../../../src/react/lib/statsFilter";

beforeEach(() => localStorage.clear());
afterEach(() => {
  cleanup();
  localStorage.clear();
});

type Rows = NonNullable<BreakdownPart["data"]>;
const part = (data: Rows | undefined): BreakdownPart => ({ data, isStale: false, error: undefined, refused: null });
const noNarrowing = () => null;

const GOALS: Rows = [
  { value: "Purchase", visitors: 3, events: 4, conversionRate: 0.025, revenue: 348, averageRevenue: 87 },
  { value: "Sign-ups", visitors: 18, events: 18, conversionRate: 0.12 },
];
const EVENTS: Rows = [{ value: "Signup", visitors: 18, events: 20, conversionRate: 0.12 }];
const KEYS: Rows = [
  { value: "plan", visitors: 18, events: 18, conversionRate: 0.12 },
  { value: "seats", visitors: 4, events: 4, conversionRate: 0.03 },
];
const VALUES: Record<string, Rows> = {
  "prop:plan": [
    { value: "pro", visitors: 5, events: 5, conversionRate: 0.04 },
    { value: "free", visitors: 13, events: 13, conversionRate: 0.09 },
  ],
  "prop:seats": [{ value: "2", visitors: 4, events: 4, conversionRate: 0.03 }],
};
const ANSWERS: Record<string, Rows> = { goal: GOALS, event: EVENTS, props: KEYS, ...VALUES };

/** Every breakdown the panel asked for, one list per render, in order; and the last render's requests. */
let asked: string[][];
let requested: BreakdownRequest[];

/**
 * The panel as the dashboard wires it: the breakdowns its choice asks for, answered from `answers` up to each one's
 * limit (a property missing there is still loading), the keys' answer handed back; choosing a row changes the filters.
 */
function Harness({ initial, answers = ANSWERS, setup, currency = "EUR" }: { initial: StatsFilter[]; answers?: Record<string, Rows>; setup?: ConversionSetup; currency?: string | null }) {
  const [filters, setFilters] = useState<StatsFilter[]>(initial);
  const choice = useConversionsChoice(filters);
  const parts = choice.requests.map(({ property, limit }) => part(answers[property]?.slice(0, limit)));
  choice.noteKeys(parts[0]);
  asked.push(choice.requests.map(({ property }) => property));
  requested = choice.requests;
  const onChoose = (property: StatsFilter["property"], value: string) => {
    const next = toggleIsFilter(filters, property, value);
    if (next !== null) setFilters(next);
    return next;
  };
  return (
    <>
      <ConversionsPanel choice={choice} answers={parts} setup={setup} filters={filters} currency={currency} onChoose={onChoose} narrow={noNarrowing} rangeLabel="Nov 15, 2026" />
      <output data-testid="filters">{filters.map(({ property, value }) => `${property}:${value}`).join("&")}</output>
    </>
  );
}

beforeEach(() => {
  asked = [];
});

const panel = () => screen.getByTestId("goals-panel");
const cells = (table: HTMLElement) => [...table.querySelectorAll("tbody tr")].map((tr) => [...tr.querySelectorAll("th, td")].map((cell) => cell.textContent));
const rowButton = (table: HTMLElement, value: string) => within(table.querySelector(`tbody tr[data-value="${value}"]`) as HTMLElement).getByRole("button");
const filtersShown = () => screen.getByTestId("filters").textContent;

test("goals first, with unique and total conversions, conversion rate, and revenue in the site's currency where any", () => {
  render(<Harness initial={[]} />);
  expect(within(panel()).getAllByRole("tab").map((tab) => [tab.textContent, tab.getAttribute("aria-selected")])).toEqual([
    ["Goals", "true"],
    ["Events", "false"],
  ]);
  expect(asked.at(-1)).toEqual(["goal"]);
  const table = within(panel()).getByRole("table", { name: "Goals, Nov 15, 2026" });
  expect(within(table).getAllByRole("columnheader").map((cell) => cell.textContent)).toEqual(["Goal", "Unique", "Total", "CR", "Revenue", "Average"]);
  expect(cells(table)).toEqual([
    ["Purchase", "3", "4", "2.5%", "€348.00", "€87.00"],
    ["Sign-ups", "18", "18", "12%", "–", "–"],
  ]);
  // Without revenue anywhere, no revenue columns.
  fireEvent.click(within(panel()).getByRole("tab", { name: "Events" }));
  expect(asked.at(-1)).toEqual(["event"]);
  const events = within(panel()).getByRole("table", { name: "Custom events by name, Nov 15, 2026" });
  expect(within(events).getAllByRole("columnheader").map((cell) => cell.textContent)).toEqual(["Event", "Unique", "Total", "CR"]);
  expect(cells(events)).toEqual([["Signup", "18", "20", "12%"]]);
});

test("revenue in another currency, and as a plain decimal while the site's currency is not known", () => {
  render(<Harness initial={[]} currency="JPY" answers={{ goal: [{ value: "Purchase", visitors: 1, events: 2, conversionRate: 0.5, revenue: 3500, averageRevenue: 1750 }] }} />);
  expect(cells(within(panel()).getByTestId("goals-table"))).toEqual([["Purchase", "1", "2", "50%", "¥3,500", "¥1,750"]]);
  cleanup();
  render(<Harness initial={[]} currency={null} answers={{ goal: [{ value: "Purchase", visitors: 1, events: 1, conversionRate: 0.5, revenue: 29.9, averageRevenue: 29.9 }] }} />);
  expect(cells(within(panel()).getByTestId("goals-table"))[0].slice(4)).toEqual(["29.90", "29.90"]);
});

test("choosing a goal adds its filter and turns to its properties: the keys, then the first key's values; choosing it again removes it", () => {
  render(<Harness initial={[{ property: "source", op: "is", value: "Google" }]} />);
  fireEvent.click(rowButton(within(panel()).getByTestId("goals-table"), "Sign-ups"));
  expect(filtersShown()).toBe("source:Google&goal:Sign-ups");
  expect(within(panel()).getByRole("tab", { name: "Properties" }).getAttribute("aria-selected")).toBe("true");
  // The keys are asked first; the values of the first key once the keys are known.
  expect(asked).toContainEqual(["props"]);
  expect(asked.at(-1)).toEqual(["props", "prop:plan"]);
  expect(within(panel()).getByLabelText("Property of the goal Sign-ups")).toHaveProperty("value", "plan");
  const values = within(panel()).getByRole("table", { name: "Values of plan on the goal Sign-ups's events, Nov 15, 2026" });
  expect(cells(values)).toEqual([
    ["pro", "5", "5", "4%"],
    ["free", "13", "13", "9%"],
  ]);
  fireEvent.click(rowButton(values, "pro"));
  expect(filtersShown()).toBe("source:Google&goal:Sign-ups&prop:plan:pro");
  expect(rowButton(within(panel()).getByTestId("property-values-table"), "pro").getAttribute("aria-pressed")).toBe("true");

  fireEvent.click(within(panel()).getByRole("tab", { name: "Goals" }));
  const goal = rowButton(within(panel()).getByTestId("goals-table"), "Sign-ups");
  expect(goal.getAttribute("aria-pressed")).toBe("true");
  fireEvent.click(goal);
  expect(filtersShown()).toBe("source:Google&prop:plan:pro");
  expect(within(panel()).queryByRole("tab", { name: "Properties" })).toBeNull();
});

test("the key chosen is remembered, and asked at once when the goal's events carry it; else their first", () => {
  render(<Harness initial={[{ property: "goal", op: "is", value: "Sign-ups" }]} />);
  fireEvent.click(within(panel()).getByRole("tab", { name: "Properties" }));
  fireEvent.change(within(panel()).getByTestId("property-key"), { target: { value: "seats" } });
  expect(asked.at(-1)).toEqual(["props", "prop:seats"]);
  expect(cells(within(panel()).getByTestId("property-values-table"))).toEqual([["2", "4", "4", "3%"]]);
  cleanup();

  asked = [];
  render(<Harness initial={[{ property: "event", op: "is", value: "Signup" }]} />);
  expect(within(panel()).getByRole("tab", { name: "Properties" }).getAttribute("aria-selected")).toBe("true");
  expect(asked.at(-1)).toEqual(["props", "prop:seats"]);
  cleanup();

  // An event whose events carry no "seats": its first key.
  render(<Harness initial={[{ property: "event", op: "is", value: "Signup" }]} answers={{ ...ANSWERS, props: KEYS.slice(0, 1) }} />);
  expect(asked.at(-1)).toEqual(["props", "prop:plan"]);
});

test("Show more: the goals, the events or a key's values, 100 asked and expanded in place; another tab or key goes back to 10", () => {
  const many = (name: string, count: number): Rows => Array.from({ length: count }, (_, i) => ({ value: `${name} ${i + 1}`, visitors: count - i, events: count - i, conversionRate: 0.01 }));
  const answers = { goal: many("Goal", 12), event: many("Event", 10), props: KEYS, "prop:plan": many("plan", 11), "prop:seats": many("seats", 3) };
  render(<Harness initial={[{ property: "goal", op: "is", value: "Goal 1" }]} answers={answers} />);
  const rows = (testId: string) => cells(within(panel()).getByTestId(testId)).length;
  expect(rows("goals-table")).toBe(10);
  const more = within(panel()).getByRole("button", { name: "Show more" });
  expect(more.getAttribute("aria-expanded")).toBe("false");
  expect(document.getElementById(more.getAttribute("aria-controls")!)?.getAttribute("role")).toBe("tabpanel");
  fireEvent.click(more);
  expect(requested).toEqual([{ property: "goal", limit: 100 }]);
  expect(rows("goals-table")).toBe(12);
  expect(panel().className).toContain("is-expanded");
  expect(within(panel()).getByTestId("breakdown-count").textContent).toBe("12 rows: scroll to see them all");
  // One button, turned: the focus stays on it.
  expect(within(panel()).getByRole("button", { name: "Show fewer" })).toBe(more);

  fireEvent.click(within(panel()).getByRole("tab", { name: "Events" }));
  expect(requested).toEqual([{ property: "event", limit: 10 }]);
  expect(panel().className).not.toContain("is-expanded");
  expect(within(panel()).getByRole("button", { name: "Show more" }).getAttribute("aria-expanded")).toBe("false");

  // A key's values: the keys are asked in full, the values 10 then 100.
  fireEvent.click(within(panel()).getByRole("tab", { name: "Properties" }));
  expect(requested).toEqual([
    { property: "props", limit: 100 },
    { property: "prop:plan", limit: 10 },
  ]);
  expect(rows("property-values-table")).toBe(10);
  fireEvent.click(within(panel()).getByRole("button", { name: "Show more" }));
  expect(requested.at(-1)).toEqual({ property: "prop:plan", limit: 100 });
  expect(rows("property-values-table")).toBe(11);
  fireEvent.change(within(panel()).getByTestId("property-key"), { target: { value: "seats" } });
  expect(requested.at(-1)).toEqual({ property: "prop:seats", limit: 10 });
  // Three values: nothing more to show.
  expect(within(panel()).queryByRole("button", { name: /Show (more|fewer)/ })).toBeNull();
});

test("empty states say what to do; a refusal says why in place", () => {
  render(<Harness initial={[]} answers={{ goal: [] }} setup={{ goals: [], funnels: [] }} />);
  expect(screen.getByTestId("goals-empty").textContent).toContain("No goals yet.");
  expect(screen.getByTestId("goals-empty").textContent).toContain(`npx convex run stats:createGoal '{"name": "Sign-ups", "event": "Signup"}'`);
  cleanup();
  render(<Harness initial={[{ property: "source", op: "is", value: "Google" }]} answers={{ goal: [], event: [] }} setup={{ goals: [{ name: "Sign-ups", event: "Signup" }], funnels: [] }} />);
  expect(screen.getByTestId("goals-empty").textContent).toBe("No goal converted under these filters in this range.");
  fireEvent.click(within(panel()).getByRole("tab", { name: "Events" }));
  expect(screen.getByTestId("events-empty").textContent).toBe("No event under these filters in this range.");
  cleanup();
  render(<Harness initial={[{ property: "goal", op: "is", value: "Sign-ups" }]} answers={{ props: [] }} />);
  fireEvent.click(within(panel()).getByRole("tab", { name: "Properties" }));
  expect(screen.getByTestId("properties-empty").textContent).toContain("No property on the goal Sign-ups's events in this range.");
  cleanup();

  // Loading: a skeleton, not an empty state.
  render(<Harness initial={[]} answers={{}} />);
  expect(within(panel()).getByLabelText("Loading conversions")).toBeTruthy();
  cleanup();

  // Just turned to Properties: the keys' part still holds the goals' rows, stale; they are not shown as keys.
  const signUps: StatsFilter = { property: "goal", op: "is", value: "Sign-ups" };
  const turning: ConversionsChoice = { tab: "props", tabs: [], choose: vi.fn(), step: signUps, keys: [], propertyKey: null, chooseKey: vi.fn(), limit: 10, setLimit: vi.fn(), requests: [], noteKeys: vi.fn() };
  render(<ConversionsPanel choice={turning} answers={[{ ...part(GOALS), isStale: true }]} setup={undefined} filters={[signUps]} currency="USD" onChoose={vi.fn()} narrow={noNarrowing} rangeLabel={undefined} />);
  expect(within(panel()).getByLabelText("Loading conversions")).toBeTruthy();
  expect(within(panel()).queryByTestId("properties-empty")).toBeNull();
  cleanup();

  const refused = (): BreakdownPart => ({ ...part(undefined), refused: { code: "FILTER_TOO_BROAD", message: "Too much matches these filters in this range: choose a shorter range." } });
  const choice: ConversionsChoice = { tab: "goal", tabs: [{ id: "goal", label: "Goals" }], choose: vi.fn(), step: null, keys: [], propertyKey: null, chooseKey: vi.fn(), limit: 10, setLimit: vi.fn(), requests: [], noteKeys: vi.fn() };
  render(<ConversionsPanel choice={choice} answers={[refused()]} setup={undefined} filters={[]} currency="USD" onChoose={vi.fn()} narrow={noNarrowing} rangeLabel={undefined} />);
  expect(screen.getByTestId("conversions-refused").textContent).toBe("Too much matches these filters in this range: choose a shorter range.");
});
