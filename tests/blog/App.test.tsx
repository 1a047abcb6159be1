import { StrictMode } from "react";
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { COUNT_AUTOMATION_STORAGE_KEY } from "../../src/shared/config";
import { App } from "../../blog/App";
import { ConvexTestBridge, ConvexTestProvider } from "../support/testBridge";

let bridge: ConvexTestBridge;

beforeEach(async () => {
  // happy-dom says it is automated (navigator.webdriver): count it, as the e2e tests opt in.
  localStorage.setItem(COUNT_AUTOMATION_STORAGE_KEY, "true");
  bridge = new ConvexTestBridge();
  await bridge.syncContent({
    posts: [
      { slug: "older", title: "Older post", published: true, date: "2025-01-01", content: "Old news." },
      {
        slug: "newer",
        title: "Newer post",
        published: true,
        date: "2025-03-01",
        description: "The latest.",
        content: "## Section\n\n| a | b |\n| - | - |\n| 1 | 2 |\n\nSee [about](/about) and [Convex](https://convex.dev).",
      },
      { slug: "draft", title: "Draft", published: false, date: "2025-04-01" },
    ],
    pages: [{ slug: "about", title: "About", published: true, content: "Who we are." }],
  });
});
afterEach(async () => {
  cleanup();
  await bridge.settled();
});

function renderApp(path: string) {
  return render(
    <StrictMode>
      <ConvexTestProvider bridge={bridge}>
        <MemoryRouter initialEntries={[path]}>
          <App />
        </MemoryRouter>
      </ConvexTestProvider>
    </StrictMode>,
  );
}

async function settle() {
  // Twice: a lazily loaded route renders, then its queries resolve.
  for (let i = 0; i < 2; i++) {
    await act(async () => {
      await bridge.settled();
      await new Promise((resolve) => setTimeout(resolve, 0));
    });
  }
}

const recorded = () => bridge.sent("stats:recordPageView").map(({ path, pageType }) => `${pageType} ${path}`);

describe("the site", () => {
  test("lists published posts newest first, as links, and records a home view", async () => {
    renderApp("/");
    await settle();
    const links = screen.getAllByRole("link").filter((a) => a.closest(".post-list"));
    expect(links.map((a) => [a.textContent, a.getAttribute("href")])).toEqual([
      ["Newer post", "/newer"],
      ["Older post", "/older"],
    ]);
    expect(screen.getByRole("navigation", { name: "Main" }).textContent).toContain("About");
    expect(recorded()).toEqual(["home /"]);
  });

  test("renders a post's markdown, and in-site links navigate and record as the right type", async () => {
    renderApp("/");
    await settle();
    fireEvent.click(screen.getByRole("link", { name: "Newer post" }));
    expect(await screen.findByRole("heading", { level: 2, name: "Section" })).toBeTruthy();
    expect(screen.getByRole("table")).toBeTruthy();
    expect(screen.getByRole("link", { name: "Convex" }).getAttribute("href")).toBe("https://convex.dev");
    expect(document.title).toBe("Newer post · Live Stats");
    await settle();

    fireEvent.click(screen.getByRole("link", { name: "about" }));
    expect(await screen.findByText("Who we are.")).toBeTruthy();
    await settle();
    expect(recorded()).toEqual(["home /", "post /newer", "page /about"]);
  });

  test("shows the not-found page for unknown and unpublished slugs and deeper paths", async () => {
    for (const path of ["/no-such-post", "/draft", "/a/b"]) {
      renderApp(path);
      await settle();
      expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("This page does not exist");
      cleanup();
    }
    expect(recorded()).toEqual(["not-found /no-such-post", "not-found /draft", "not-found /a/b"]);
  });

  test("serves the live stats at /stats, which records no view and sends no heartbeat", async () => {
    renderApp("/stats");
    await settle();
    expect(await screen.findByTestId("stat-total-views")).toBeTruthy();
    await settle();
    expect(recorded()).toEqual([]);
    expect(bridge.sent("stats:heartbeat")).toEqual([]);
  });
});
