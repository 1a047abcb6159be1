import { useMemo } from "react";
import type { Interval } from "../../shared/timeRanges.js";
import {
  canShift,
  customSelection,
  parseComparison,
  parseSelection,
  RANGE_PARAMS,
  resolveSelection,
  selectionSearch,
  shiftedSelection,
  withComparison,
  type Comparison,
  type ResolvedSelection,
  type Selection,
} from "../lib/statsPeriod.js";
import { bucketedProperty, readFilters } from "../lib/statsFilter.js";
import { withTokenArg } from "../lib/shareToken.js";
import { useMinuteClock } from "./useMinuteClock.js";
import { useQuietQuery } from "./useQuietQuery.js";
import { useShareToken } from "./useShareToken.js";
import { useStatsApi } from "../StatsApiContext.js";
import { searchOf, useStatsRouter } from "../router.js";

/** The dashboard's range: loading (the site's zone, or for all time its first view), failed (either could not be read), or resolved. */
export type RangeState = { status: "loading" } | { status: "failed"; error: Error } | ({ status: "ready" } & ResolvedSelection);

/** The resolved range for a panel's queries, undefined while it loads; a failure is thrown for the panel's error boundary. */
export function readyRange(state: RangeState): ResolvedSelection | undefined {
  if (state.status === "failed") throw state.error;
  return state.status === "ready" ? state : undefined;
}

export type StatsRangeControls = {
  state: RangeState;
  /** What the picker shows: the resolved selection, or the URL's while it resolves. */
  selection: Selection;
  select: (selection: Selection) => void;
  /** What the figures are compared with (`?compare=`), kept as the range changes. */
  comparison: Comparison;
  chooseComparison: (comparison: Comparison) => void;
  chooseInterval: (interval: Interval) => void;
  canShift: { back: boolean; forward: boolean };
  shift: (direction: -1 | 1) => void;
  /** Shows custom dates, or says why they cannot be shown. */
  applyCustom: (from: string, to: string) => string | null;
};

/**
 * The range the dashboard shows, kept in the URL so a link reproduces the view,
 * resolved in the site's zone by the time math the server uses. It is resolved
 * at the minute clock, and a range is compared by value: realtime slides once a
 * minute, "today" rolls over at midnight, and otherwise the queries' arguments
 * stay the same, so no subscription is renewed as time passes.
 */
export function useStatsRange(): StatsRangeControls {
  const router = useStatsRouter();
  const { search } = router;
  const requested = useMemo(() => parseSelection(new URLSearchParams(search)), [search]);
  const comparison = useMemo(() => parseComparison(new URLSearchParams(search)), [search]);
  // A visit property's buckets keep whole hours and days: filtered by one, the chart's intervals are narrower.
  const filtered = useMemo(() => bucketedProperty(readFilters(new URLSearchParams(search))), [search]);
  const api = useStatsApi();
  const token = useShareToken();
  const settings = useQuietQuery(api.settings, withTokenArg({}, token));
  const now = useMinuteClock();

  const zone = settings instanceof Error || settings === undefined ? settings : settings.timeZone;
  // Where minute and hour detail start; primitives, so the range resolves again only when the rollup moves them.
  const minutesSince = settings instanceof Error ? undefined : settings?.detail?.minutesSince;
  const hoursSince = settings instanceof Error ? undefined : settings?.detail?.hoursSince;
  // Where all time starts and before which nothing is compared; a primitive, so new page views do not resolve the range again.
  const firstView = settings instanceof Error || settings === undefined ? settings : settings.trackingSince;
  const state = useMemo((): RangeState => {
    if (zone instanceof Error) return { status: "failed", error: zone };
    if (firstView instanceof Error) return { status: "failed", error: firstView };
    if (zone === undefined || firstView === undefined) return { status: "loading" };
    const detail = minutesSince === undefined || hoursSince === undefined ? undefined : { minutesSince, hoursSince };
    const filteredBy = filtered === undefined ? [] : [filtered];
    return { status: "ready", ...resolveSelection(requested, now, zone, { since: firstView, detail, filteredBy, comparison }) };
  }, [requested, now, zone, firstView, minutesSince, hoursSince, filtered, comparison]);

  // A new range keeps every other parameter: the dashboard's filters (see useStatsFilter), its comparison, a share link's token.
  const select = (selection: Selection) => {
    const next = selectionSearch(selection);
    for (const [key, value] of new URLSearchParams(search)) if (!RANGE_PARAMS.includes(key)) next.append(key, value);
    router.navigate(searchOf(next));
  };
  const shown = state.status === "ready" ? state : null;
  return {
    state,
    selection: shown?.selection ?? requested,
    select,
    comparison,
    chooseComparison: (next) => router.navigate(searchOf(withComparison(new URLSearchParams(search), next))),
    // The default interval is left out of the URL: a link names only what the user chose.
    chooseInterval: (interval) => {
      if (shown) select({ ...shown.selection, interval: interval === shown.defaultInterval ? undefined : interval });
    },
    canShift: { back: shown !== null && canShift(shown, -1, now), forward: shown !== null && canShift(shown, 1, now) },
    shift: (direction) => {
      const next = shown && shiftedSelection(shown, direction, now);
      if (next) select(next);
    },
    applyCustom: (from, to) => {
      if (shown === null) return null;
      const result = customSelection(from, to, now, shown.timeZone);
      if ("error" in result) return result.error;
      select(result.selection);
      return null;
    },
  };
}
