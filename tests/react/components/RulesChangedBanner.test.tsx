import { act, render, screen } from "@testing-library/react";
import { beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../../../convex/_generated/api";
import { RulesChangedNotice } from "../../../src/react/components/RulesChangedBanner";
import { DashboardContext, renderStatsPage } from "../../support/renderStatsPage";
import { ConvexTestBridge, cleanUpAfterEach, ConvexTestProvider } from "../../support/testBridge";

let bridge: ConvexTestBridge;

beforeEach(async () => {
  bridge = new ConvexTestBridge();
  // A view folded under the code's rules (UTC): the worker records them.
  await act(() => bridge.mutation(api.stats.recordPageView, { path: "/hello", pageType: "post", sessionId: crypto.randomUUID() }));
  await act(() => bridge.settled());
});
cleanUpAfterEach(() => bridge);

const banner = () => screen.queryByTestId("rules-changed-banner");

function renderNotice() {
  return render(
    <ConvexTestProvider bridge={bridge}>
      <DashboardContext>
        <RulesChangedNotice />
      </DashboardContext>
    </ConvexTestProvider>,
  );
}

describe("the banner for a changed rule", () => {
  test("says nothing while the figures are built under the running rules", async () => {
    renderNotice();
    await act(() => bridge.settled());
    expect(banner()).toBeNull();
  });

  test("names the change and the command that fixes it, and goes once the backfill has rebuilt", async () => {
    renderNotice();
    await act(() => bridge.settled());
    vi.stubEnv("STATS_TIME_ZONE", "Europe/Berlin");
    await act(() => bridge.refresh());

    const shown = banner()!;
    expect(shown.getAttribute("role")).toBe("alert");
    expect(shown.textContent).toContain("New views are waiting for a rebuild.");
    expect(shown.querySelector("li")?.textContent).toBe("site time zone changed from UTC to Europe/Berlin: run the backfill to rebuild time buckets");
    expect(shown.querySelector("code")?.textContent).toBe("npx convex run stats:backfillAggregates '{}'");

    await act(() => bridge.runCron(internal.stats.backfillAggregates));
    expect(banner()).toBeNull();
  });

  test("stays quiet when the site's zone is no zone (the range toolbar says how to fix that)", async () => {
    vi.stubEnv("STATS_TIME_ZONE", "Mars/Olympus_Mons");
    renderNotice();
    await act(() => bridge.settled());
    expect(banner()).toBeNull();
  });

  test("the dashboard shows it", async () => {
    renderStatsPage(bridge, "/stats");
    vi.stubEnv("STATS_TIME_ZONE", "America/New_York");
    await act(() => bridge.settled());
    expect(banner()?.textContent).toContain("site time zone changed from UTC to America/New_York");
  });
});
