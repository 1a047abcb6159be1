import { render } from "@testing-library/react";
import { MemoryRouter, useLocation } from "react-router-dom";
import StatsPage from "../../src/react/StatsDashboard";
import { ConvexTestProvider, type ConvexTestBridge } from "./testBridge";

/** The router's query string, shown so a test can read what the page put in the URL (`data-testid="location"`). */
function Location() {
  const { search } = useLocation();
  return <output data-testid="location">{search}</output>;
}

/** /stats at `url` on the test bridge's backend, with the URL's query string on show. */
export function renderStatsPage(bridge: ConvexTestBridge, url: string) {
  return render(
    <ConvexTestProvider bridge={bridge}>
      <MemoryRouter initialEntries={[url]}>
        <StatsPage />
        <Location />
      </MemoryRouter>
    </ConvexTestProvider>,
  );
}
