import { createContext, useContext, type ReactNode } from "react";
import type { StatsApi } from "./statsApi.js";

const StatsApiContext = createContext<StatsApi | null>(null);

/** Hands the app's function references (`api.stats`) to every panel of the dashboard below it. */
export function StatsApiProvider({ api, children }: { api: StatsApi; children: ReactNode }) {
  return <StatsApiContext.Provider value={api}>{children}</StatsApiContext.Provider>;
}

/** The function references the dashboard was given (`<StatsDashboard api={api.stats} />`). */
export function useStatsApi(): StatsApi {
  const api = useContext(StatsApiContext);
  if (api === null) throw new Error("useStatsApi: render the dashboard's parts inside <StatsDashboard api={api.stats} /> (or a StatsApiProvider)");
  return api;
}
