import type { ReactNode } from "react";
import { render } from "@testing-library/react";
import { api } from "../../convex/_generated/api";
import { StatsDashboard, useHistoryRouter, type StatsDashboardProps } from "../../src/react";
import { StatsApiProvider } from "../../src/react/StatsApiContext";
import { StatsRouterProvider } from "../../src/react/router";
import { ConvexTestProvider, type ConvexTestBridge } from "./testBridge";

/** The query string the dashboard's default router keeps in the browser's URL, on show (`data-testid="location"`). */
function Location() {
  return <output data-testid="location">{useHistoryRouter().search}</output>;
}

/**
 * The dashboard at `url` (put in the browser's URL first: the dashboard's default router reads it), on the
 * test bridge's backend, given the blog's `api.stats`, with the URL's query string on show.
 */
export function renderStatsPage(bridge: ConvexTestBridge, url: string, props: Partial<StatsDashboardProps> = {}) {
  history.replaceState(null, "", url);
  return render(
    <ConvexTestProvider bridge={bridge}>
      <StatsDashboard api={api.stats} {...props} />
      <Location />
    </ConvexTestProvider>,
  );
}

/** What a part of the dashboard needs around it when rendered on its own: the function references and the router. */
export function DashboardContext({ children }: { children: ReactNode }) {
  return (
    <StatsApiProvider api={api.stats}>
      <StatsRouterProvider>{children}</StatsRouterProvider>
    </StatsApiProvider>
  );
}
