import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { TabList, TabPanel, useStoredTab } from "../../../src/react/components/Tabs";

const TABS = [
  { id: "browsers", label: "Browser" },
  { id: "os", label: "OS" },
  { id: "screens", label: "Screen" },
] as const;
type Id = (typeof TABS)[number]["id"];

function Harness() {
  const [selected, select] = useStoredTab<Id>("devices", TABS.map((tab) => tab.id));
  return (
    <>
      <TabList label="Devices" tabs={TABS} selected={selected} onSelect={select} idPrefix="devices" />
      <TabPanel idPrefix="devices" selected={selected}>
        <p>Content of {selected}</p>
      </TabPanel>
    </>
  );
}

beforeEach(() => localStorage.clear());
afterEach(() => {
  cleanup();
  localStorage.clear();
});

const tab = (name: string) => screen.getByRole("tab", { name });
const selectedTab = () => screen.getAllByRole("tab").find((element) => element.getAttribute("aria-selected") === "true");

describe("tabs", () => {
  test("are a named tab list whose chosen tab labels the panel and is the only one in the tab order", () => {
    render(<Harness />);
    expect(screen.getByRole("tablist", { name: "Devices" })).toBeTruthy();
    expect(screen.getAllByRole("tab").map((element) => element.textContent)).toEqual(["Browser", "OS", "Screen"]);
    expect(selectedTab()).toBe(tab("Browser"));
    expect(screen.getAllByRole("tab").map((element) => element.tabIndex)).toEqual([0, -1, -1]);
    const panel = screen.getByRole("tabpanel", { name: "Browser" });
    expect(panel.textContent).toBe("Content of browsers");
    expect(tab("Browser").getAttribute("aria-controls")).toBe(panel.id);
  });

  test("a click shows another tab", () => {
    render(<Harness />);
    fireEvent.click(tab("Screen"));
    expect(selectedTab()).toBe(tab("Screen"));
    expect(screen.getByRole("tabpanel", { name: "Screen" }).textContent).toBe("Content of screens");
    expect(tab("Screen").tabIndex).toBe(0);
    expect(tab("Browser").tabIndex).toBe(-1);
  });

  test("← and → move to the next tab and show it, round the ends; Home and End go to the first and last", () => {
    render(<Harness />);
    tab("Browser").focus();
    // Handled: the page's own ← and → (the date range's shortcuts) must leave it alone.
    expect(fireEvent.keyDown(tab("Browser"), { key: "ArrowRight" })).toBe(false);
    expect(selectedTab()).toBe(tab("OS"));
    expect(document.activeElement).toBe(tab("OS"));
    fireEvent.keyDown(tab("OS"), { key: "ArrowRight" });
    fireEvent.keyDown(tab("Screen"), { key: "ArrowRight" });
    expect(selectedTab()).toBe(tab("Browser"));
    fireEvent.keyDown(tab("Browser"), { key: "ArrowLeft" });
    expect(selectedTab()).toBe(tab("Screen"));
    expect(document.activeElement).toBe(tab("Screen"));
    fireEvent.keyDown(tab("Screen"), { key: "Home" });
    expect(selectedTab()).toBe(tab("Browser"));
    fireEvent.keyDown(tab("Browser"), { key: "End" });
    expect(selectedTab()).toBe(tab("Screen"));
    expect(screen.getByRole("tabpanel", { name: "Screen" })).toBeTruthy();
    // Other keys are not the tabs' business.
    expect(fireEvent.keyDown(tab("Screen"), { key: "d" })).toBe(true);
  });

  test("the chosen tab is remembered in this browser; a stored one that no longer exists is ignored", () => {
    const { unmount } = render(<Harness />);
    fireEvent.click(tab("OS"));
    unmount();
    render(<Harness />);
    expect(selectedTab()).toBe(tab("OS"));
    cleanup();

    localStorage.setItem("convex-live-stats:tab:devices", "gone");
    render(<Harness />);
    expect(selectedTab()).toBe(tab("Browser"));
  });
});
