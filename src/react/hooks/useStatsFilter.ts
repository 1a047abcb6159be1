import { useMemo } from "react";
import { FILTER_PARAM, readFilters, withFilters, type StatsFilter } from "../lib/statsFilter.js";
import { searchOf, useSearchParams, useStatsRouter } from "../router.js";

export type StatsFilterControls = {
  /** The URL's filters (ANDed), in order; empty when there are none (or none can be read). */
  filters: StatsFilter[];
  /** Filters the whole dashboard by these (a new history entry, so Back undoes it); [] removes every filter. */
  setFilters: (filters: readonly StatsFilter[]) => void;
};

/** The dashboard's filters, kept in the URL beside the range (`?period=7d&filter=source:Google&filter=country!:FR`), so a link reproduces the view. */
export function useStatsFilter(): StatsFilterControls {
  const router = useStatsRouter();
  const params = useSearchParams();
  const texts = params.getAll(FILTER_PARAM).join("\n");
  // Compared by value: the same filters stay the same array, so the queries' arguments do too.
  const filters = useMemo(() => readFilters(params), [texts]);
  return {
    filters,
    setFilters: (next) => router.navigate(searchOf(withFilters(params, next))),
  };
}
