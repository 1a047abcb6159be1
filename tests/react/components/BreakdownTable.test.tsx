import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, test, vi } from "vitest";
import { BreakdownTable, type BreakdownTableProps, type BreakdownTableRow } from "../../../src/react/components/BreakdownTable";
import { DashboardContext } from "../../support/renderStatsPage";

afterEach(cleanup);

function renderTable(props: Partial<BreakdownTableProps> & Pick<BreakdownTableProps, "property" | "rows">) {
  const onChoose = vi.fn();
  render(
    <DashboardContext>
      <BreakdownTable column="Name" total={undefined} filters={[]} onChoose={onChoose} caption="A breakdown" testId="table" {...props} />
    </DashboardContext>,
  );
  return onChoose;
}

const rowOf = (value: string) => [...screen.getByTestId("table").querySelectorAll("tbody tr")].find((tr) => tr.getAttribute("data-value") === value) as HTMLElement;
const cell = (value: string, testId: string) => within(rowOf(value)).getByTestId(testId).textContent;
const bar = (value: string) => (rowOf(value).querySelector(".breakdown-bar") as HTMLElement).style.width;

const SOURCES: BreakdownTableRow[] = [
  { value: "Google", visitors: 30, pageviews: 90, visits: 40, bounceRate: 0.25, visitDurationMs: 185_000 },
  { value: "Direct / None", visitors: 20, pageviews: 25, visits: 20, bounceRate: 0.5, visitDurationMs: 45_000 },
  { value: "news.ycombinator.com", visitors: 10, pageviews: 12, visits: 10, bounceRate: 1, visitDurationMs: 0 },
];

describe("a breakdown of a visit property", () => {
  test("each value with its bar (against the top row's visits), visits first, visitors, bounce rate, duration and share of all visits", () => {
    renderTable({ property: "source", rows: SOURCES, column: "Source", total: 80 });
    const headers = screen.getAllByRole("columnheader").map((header) => header.textContent);
    expect(headers).toEqual(["Source", "Visits", "Visitors", "Bounce", "Duration", "% of visits"]);
    expect([...screen.getByTestId("table").querySelectorAll("tbody tr")].map((tr) => tr.getAttribute("data-value"))).toEqual([
      "Google",
      "Direct / None",
      "news.ycombinator.com",
    ]);
    expect([bar("Google"), bar("Direct / None"), bar("news.ycombinator.com")]).toEqual(["100%", "50%", "25%"]);
    expect(cell("Google", "breakdown-visitors")).toBe("30");
    expect(cell("Google", "breakdown-visits")).toBe("40");
    expect(cell("Google", "breakdown-bounce")).toBe("25%");
    expect(cell("Google", "breakdown-duration")).toBe("3m 05s");
    expect(cell("Google", "breakdown-share")).toBe("50%");
    expect(cell("news.ycombinator.com", "breakdown-share")).toBe("13%");
  });

  test("a long value is cut short with the whole of it on hover; Direct / None is muted", () => {
    const long = "a-very-long-referrer-host.example.com/with/a/path/that/goes/on/and/on";
    renderTable({ property: "referrer", rows: [{ value: long, visitors: 1, pageviews: 1, visits: 1 }, { ...SOURCES[1] }] });
    expect(within(rowOf(long)).getByRole("button").getAttribute("title")).toBe(long);
    expect(within(rowOf(long)).getByRole("button").className).not.toContain("is-placeholder");
    expect(within(rowOf("Direct / None")).getByRole("button").className).toContain("is-placeholder");
  });

  test("choosing a value chooses it (to add its filter, or remove it when on); a value an is filter names is marked", () => {
    const onChoose = renderTable({
      property: "source",
      rows: SOURCES,
      filters: [
        { property: "source", op: "is", value: "Google" },
        { property: "source", op: "isNot", value: "Direct / None" },
      ],
    });
    const google = within(rowOf("Google")).getByRole("button", { name: "Google" });
    expect(google.getAttribute("aria-pressed")).toBe("true");
    expect(rowOf("Google").className).toContain("is-active");
    expect(google.getAttribute("aria-describedby")).toBeTruthy();
    expect(document.getElementById(google.getAttribute("aria-describedby")!)?.textContent).toBe(
      "Choose a source to add it to the dashboard's filters, and again to remove it. The up and down arrow keys move between rows.",
    );
    // "Is not" is no row's mark.
    expect(within(rowOf("Direct / None")).getByRole("button").getAttribute("aria-pressed")).toBe("false");
    fireEvent.click(within(rowOf("Direct / None")).getByRole("button"));
    expect(onChoose).toHaveBeenLastCalledWith("Direct / None");
    fireEvent.click(google);
    expect(onChoose).toHaveBeenLastCalledWith("Google");
  });

  test("countries by name, with their flags; no share before the total has loaded", () => {
    renderTable({ property: "country", rows: [{ value: "FR", visitors: 3, pageviews: 3, visits: 3 }, { value: "Unknown", visitors: 1, pageviews: 1, visits: 1 }] });
    const france = within(rowOf("FR")).getByRole("button");
    expect(france.textContent).toBe("🇫🇷France");
    expect(france.getAttribute("title")).toBe("France (FR)");
    expect(within(rowOf("Unknown")).getByRole("button").textContent).toBe("Unknown");
    expect(cell("FR", "breakdown-share")).toBe("");
  });

  test("says what choosing does with the property's name in a sentence: an entry page, a UTM source", () => {
    renderTable({ property: "entryPage", rows: [{ value: "/", visitors: 1, pageviews: 1, visits: 1 }] });
    const button = within(rowOf("/")).getByRole("button");
    expect(document.getElementById(button.getAttribute("aria-describedby")!)?.textContent).toMatch(/^Choose an entry page to add it/);
    cleanup();
    renderTable({ property: "utmSource", rows: [{ value: "newsletter", visitors: 1, pageviews: 1, visits: 1 }] });
    const utm = within(rowOf("newsletter")).getByRole("button");
    expect(document.getElementById(utm.getAttribute("aria-describedby")!)?.textContent).toMatch(/^Choose a UTM source to add it/);
  });

  test("the arrow keys move between the rows' buttons; Home and End go to the first and last", () => {
    renderTable({ property: "source", rows: SOURCES });
    const buttons = SOURCES.map(({ value }) => within(rowOf(value)).getByRole("button"));
    buttons[0].focus();
    fireEvent.keyDown(buttons[0], { key: "ArrowDown" });
    expect(document.activeElement).toBe(buttons[1]);
    fireEvent.keyDown(buttons[1], { key: "End" });
    expect(document.activeElement).toBe(buttons[2]);
    // Past the last row the arrow is the page's again (it scrolls).
    expect(fireEvent.keyDown(buttons[2], { key: "ArrowDown" })).toBe(true);
    expect(document.activeElement).toBe(buttons[2]);
    fireEvent.keyDown(buttons[2], { key: "ArrowUp" });
    expect(document.activeElement).toBe(buttons[1]);
    fireEvent.keyDown(buttons[1], { key: "Home" });
    expect(document.activeElement).toBe(buttons[0]);
  });
});

describe("a breakdown of pages", () => {
  const PAGES: BreakdownTableRow[] = [
    { value: "/posts/hello", title: "Hello, world", visitors: 4, pageviews: 8 },
    { value: "/caf%C3%A9", title: "/caf%C3%A9", visitors: 2, pageviews: 2 },
  ];

  test("pages by title, path beside, bars against the most viewed; a link to open each; views first, and shares of all views", () => {
    const onChoose = renderTable({ property: "page", rows: PAGES, column: "Page", total: 20 });
    expect(screen.getAllByRole("columnheader").map((header) => header.textContent)).toEqual(["Page", "Views", "Visitors", "% of views"]);
    const hello = within(rowOf("/posts/hello")).getByRole("button");
    expect(hello.textContent).toBe("Hello, world /posts/hello");
    expect(hello.getAttribute("title")).toBe("Hello, world\n/posts/hello");
    expect(within(rowOf("/caf%C3%A9")).getByRole("button").textContent).toBe("/café");
    expect([bar("/posts/hello"), bar("/caf%C3%A9")]).toEqual(["100%", "25%"]);
    expect(cell("/posts/hello", "top-page-visitors")).toBe("4");
    expect(cell("/posts/hello", "top-page-views")).toBe("8");
    expect(cell("/posts/hello", "breakdown-share")).toBe("40%");
    expect(within(rowOf("/caf%C3%A9")).getByRole("link", { name: "Open /café" }).getAttribute("href")).toBe("/caf%C3%A9");

    fireEvent.click(hello);
    expect(onChoose).toHaveBeenCalledWith("/posts/hello");
  });

  test("entry pages count entrances: the visit columns under their own name", () => {
    renderTable({ property: "entryPage", rows: [{ value: "/", visitors: 3, pageviews: 5, visits: 4, bounceRate: 0.5, visitDurationMs: 60_000 }], visitsLabel: "Entrances" });
    expect(screen.getAllByRole("columnheader").map((header) => header.textContent)).toEqual(["Name", "Entrances", "Visitors", "Bounce", "Duration", "% of entrances"]);
    expect(cell("/", "breakdown-visits")).toBe("4");
    expect(within(rowOf("/")).getByRole("link", { name: "Open /" })).toBeTruthy();
  });
});
