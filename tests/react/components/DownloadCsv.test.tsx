import { cleanup, render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { afterEach, expect, test, vi } from "vitest";
import { DownloadCsv } from "../../../src/react/components/DownloadCsv";
import { resolveSelection } from "../../../src/react/lib/statsPeriod";

afterEach(() => {
  cleanup();
  vi.unstubAllEnvs();
});

const NOW = Date.UTC(2026, 10, 15, 12);
const shown = { ...resolveSelection({ period: "7d" }, NOW, "UTC", null) };

function renderAt(url: string, props: Partial<Parameters<typeof DownloadCsv>[0]> = {}) {
  return render(
    <MemoryRouter initialEntries={[url]}>
      <DownloadCsv shown={shown} filter={null} {...props} />
    </MemoryRouter>,
  );
}

test("links to the export of the range shown, with the filter and the share link's token", () => {
  vi.stubEnv("VITE_CONVEX_SITE_URL", "http://127.0.0.1:3211");
  renderAt("/stats?token=tok", { filter: { property: "country", value: "FR" } });
  const link = screen.getByRole("link", { name: "Download CSV" });
  expect(link.hasAttribute("download")).toBe(true);
  const url = new URL(link.getAttribute("href")!);
  expect(url.origin + url.pathname).toBe("http://127.0.0.1:3211/api/export");
  expect(Object.fromEntries(url.searchParams)).toEqual({
    property: "all",
    from: String(Date.UTC(2026, 10, 9)),
    to: String(Date.UTC(2026, 10, 16)),
    interval: shown.interval,
    filter: "country:FR",
    token: "tok",
  });
});

test("is not shown while the range loads, nor when the build does not know the HTTP actions' URL", () => {
  vi.stubEnv("VITE_CONVEX_SITE_URL", "http://127.0.0.1:3211");
  renderAt("/stats", { shown: undefined });
  expect(screen.queryByTestId("download-csv")).toBeNull();
  cleanup();
  vi.stubEnv("VITE_CONVEX_SITE_URL", "");
  vi.stubEnv("VITE_CONVEX_URL", "http://127.0.0.1:3210");
  renderAt("/stats");
  expect(screen.queryByTestId("download-csv")).toBeNull();
});
