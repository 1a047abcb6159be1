import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, expect, test, vi } from "vitest";
import { ConversionsPanel } from "../../../src/react/components/ConversionsPanel";
import type { BreakdownPart } from "../../../src/react/hooks/useDashboardStats";

afterEach(cleanup);

const part = (data: BreakdownPart["data"]): BreakdownPart => ({ data, isStale: false, error: undefined, refused: null });
const noNarrowing = () => null;

test("events by name with visitors, events, conversion rate and revenue in the site's currency; the tab switches to goals", () => {
  const onTab = vi.fn();
  const rows = [
    { value: "Checkout", visitors: 3, events: 4, conversionRate: 0.025, revenue: 348 },
    { value: "Signup", visitors: 18, events: 18, conversionRate: 0.12 },
  ];
  render(<ConversionsPanel tab="event" onTab={onTab} answer={part(rows)} currency="EUR" narrow={noNarrowing} />);
  const table = screen.getByRole("table", { name: "Custom events by name" });
  expect(within(table).getAllByRole("columnheader").map((cell) => cell.textContent)).toEqual(["Event", "Visitors", "Events", "CR", "Revenue"]);
  expect(within(table).getAllByRole("row")[1].textContent).toBe("Checkout342.5%€348.00");
  expect(within(table).getAllByRole("row")[2].textContent).toBe("Signup181812%–");
  fireEvent.click(screen.getByRole("tab", { name: "Goals" }));
  expect(onTab).toHaveBeenCalledWith("goal");
});

test("no goal yet says how to make one; under filters the panel says events are counted for the whole site", () => {
  render(<ConversionsPanel tab="goal" onTab={vi.fn()} answer={part([])} currency="USD" narrow={noNarrowing} />);
  expect(screen.getByTestId("goals-empty").textContent).toContain("stats:createGoal");
  cleanup();
  render(<ConversionsPanel tab="event" onTab={vi.fn()} answer={null} currency="USD" narrow={noNarrowing} />);
  expect(screen.getByTestId("events-unfiltered").textContent).toMatch(/whole site/);
});
