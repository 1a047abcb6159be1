import { expect, it } from "vitest";
import { measureTracker, TRACKER_GZIP_BUDGET_BYTES, TRACKER_WITH_EVENTS_GZIP_BUDGET_BYTES } from "../../tools/size/trackerSize";

// What analytics costs a visitor of a site that already ships React and Convex (README, "Bundle size").

it(`the tracker is at most ${TRACKER_GZIP_BUDGET_BYTES} bytes gzip, with nothing from the dashboard in it`, { timeout: 60_000 }, async () => {
  const { gzip, code } = await measureTracker();
  expect(gzip).toBeLessThanOrEqual(TRACKER_GZIP_BUDGET_BYTES);
  // Only React and the Convex client are imported (the app's function references come as an argument, so not
  // even the generated api); everything else is in the measured chunk.
  const imports = [...code.matchAll(/from\s*["`']([^"`']+)["`']/g)].map(([, from]) => from).sort();
  expect(imports).toEqual(["convex/react", "convex/values", "react"]);
  expect(code).not.toMatch(/uplot|StatsPage|StatsDashboard|react-router/i);
});

it(`with custom events (useTrackEvent) it is at most ${TRACKER_WITH_EVENTS_GZIP_BUDGET_BYTES} bytes gzip`, { timeout: 60_000 }, async () => {
  const { gzip, code } = await measureTracker("withEvents");
  expect(gzip).toBeLessThanOrEqual(TRACKER_WITH_EVENTS_GZIP_BUDGET_BYTES);
  expect(code).not.toMatch(/uplot|StatsPage|StatsDashboard|react-router/i);
});
