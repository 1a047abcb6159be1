// The Download CSV link: GET /api/export on the deployment's HTTP actions (prds/export.md).
import { withFilters, type StatsFilter } from "./statsFilter.js";

type Env = Record<string, unknown> & { VITE_CONVEX_SITE_URL?: string; VITE_CONVEX_URL?: string };

/**
 * Where the deployment's HTTP actions are: VITE_CONVEX_SITE_URL (written by `convex dev` and
 * `convex deploy`, and set by the demo and e2e builds for the emulator), else VITE_CONVEX_URL
 * with `.cloud` → `.site`, as on Convex cloud; null when neither says.
 */
export function httpActionsUrl(env: Env): string | null {
  const site = env.VITE_CONVEX_SITE_URL?.trim();
  if (site) return site.replace(/\/+$/, "");
  const cloud = env.VITE_CONVEX_URL?.trim().replace(/\/+$/, "");
  return cloud?.endsWith(".convex.cloud") ? cloud.replace(/\.cloud$/, ".site") : null;
}

/** The export of the range and filters shown: a ZIP of the chart's series (in its interval) and every breakdown; the filters as the dashboard's URL writes them. */
export function exportUrl(
  base: string,
  shown: { from: number; to: number; interval: string; filters: readonly StatsFilter[]; token: string | null },
): string {
  const params = withFilters(new URLSearchParams({ property: "all", from: String(shown.from), to: String(shown.to), interval: shown.interval }), shown.filters);
  if (shown.token !== null) params.set("token", shown.token);
  return `${base}/api/export?${params}`;
}
