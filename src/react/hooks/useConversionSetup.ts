import { useMemo } from "react";
import type { RequestForQueries } from "convex/react";
import type { FunctionReturnType } from "convex/server";
import type { StatsApi } from "../statsApi.js";
import { useStatsApi } from "../StatsApiContext.js";
import { withTokenArg } from "../lib/shareToken.js";
import { useLiveQueries } from "./useLiveQueries.js";
import { useShareToken } from "./useShareToken.js";

/** The site's goals (each one's definition) and funnels (each one's steps), as `conversionSetup` answers. */
export type ConversionSetup = FunctionReturnType<NonNullable<StatsApi["conversionSetup"]>>;

/**
 * The goals and funnels the owner defined, live (one made with `npx convex run stats:createGoal` shows at once); its
 * failure as an Error; undefined while it loads, or always when the app does not re-export `conversionSetup`.
 */
export function useConversionSetup(): ConversionSetup | Error | undefined {
  const { conversionSetup } = useStatsApi();
  const args = withTokenArg({}, useShareToken());
  // The same object while the question is the same, so useQueries keeps its subscription.
  const queries = useMemo((): RequestForQueries => (conversionSetup === undefined ? {} : { result: { query: conversionSetup, args } }), [conversionSetup === undefined, args.token]);
  return useLiveQueries(queries).result as ConversionSetup | Error | undefined;
}
