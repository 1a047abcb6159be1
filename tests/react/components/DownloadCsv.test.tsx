import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, expect, test } from "vitest";
import { DownloadCsv } from "../../../src/react/components/DownloadCsv";
import { resolveSelection } from "../../../src/react/lib/statsPeriod";
import { DashboardContext } from "../../support/renderStatsPage";

afterEach(cleanup);

const NOW = Date.UTC(2026, 10, 15, 12);
const shown = { ...resolveSelection({ period: "7d" }, NOW, "UTC", { since: null }) };
const SITE_URL = "http://127.0.0.1:3211";

function renderAt(url: string, props: Partial<Parameters<typeof DownloadCsv>[0]> = {}) {
  history.replaceState(null, "", url);
  return render(
    <DashboardContext>
      <DownloadCsv shown={shown} filters={[]} siteUrl={SITE_URL} {...props} />
    </DashboardContext>,
  );
}

test("links to the export of the range shown, with the filters and the share link's token", () => {
  renderAt("/stats?token=tok", {
    filters: [
      { property: "country", op: "is", value: "FR" },
      { property: "page", op: "contains", value: "blog" },
    ],
  });
  const link = screen.getByRole("link", { name: "Download CSV" });
  expect(link.hasAttribute("download")).toBe(true);
  const url = new URL(link.getAttribute("href")!);
  expect(url.origin + url.pathname).toBe("http://127.0.0.1:3211/api/export");
  expect([...url.searchParams]).toEqual([
    ["property", "all"],
    ["from", String(Date.UTC(2026, 10, 9))],
    ["to", String(Date.UTC(2026, 10, 16))],
    ["interval", shown.interval],
    ["filter", "country:FR"],
    ["filter", "page~:blog"],
    ["token", "tok"],
  ]);
});

test("asks the site's own routes when they have a prefix (registerRoutes' pathPrefix)", () => {
  renderAt("/stats", { siteUrl: `${SITE_URL}/docs` });
  expect(new URL(screen.getByTestId("download-csv").getAttribute("href")!).pathname).toBe("/docs/api/export");
});

test("is not shown while the range loads, nor when the HTTP endpoints' URL is not known", () => {
  renderAt("/stats", { shown: undefined });
  expect(screen.queryByTestId("download-csv")).toBeNull();
  cleanup();
  renderAt("/stats", { siteUrl: null });
  expect(screen.queryByTestId("download-csv")).toBeNull();
});
