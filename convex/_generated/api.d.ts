/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type * as admin from "../admin.js";
import type * as content from "../content.js";
import type * as crons from "../crons.js";
import type * as health from "../health.js";
import type * as http from "../http.js";
import type * as model_activeVisitors from "../model/activeVisitors.js";
import type * as model_adminEndpoints from "../model/adminEndpoints.js";
import type * as model_aggregates from "../model/aggregates.js";
import type * as model_backfill from "../model/backfill.js";
import type * as model_budget from "../model/budget.js";
import type * as model_cleanup from "../model/cleanup.js";
import type * as model_config from "../model/config.js";
import type * as model_content from "../model/content.js";
import type * as model_counters from "../model/counters.js";
import type * as model_csv from "../model/csv.js";
import type * as model_dashboardAccess from "../model/dashboardAccess.js";
import type * as model_derivedRules from "../model/derivedRules.js";
import type * as model_eventEndpoint from "../model/eventEndpoint.js";
import type * as model_filteredBreakdown from "../model/filteredBreakdown.js";
import type * as model_foldPageViews from "../model/foldPageViews.js";
import type * as model_foldSessions from "../model/foldSessions.js";
import type * as model_health from "../model/health.js";
import type * as model_jsonResponse from "../model/jsonResponse.js";
import type * as model_pageStats from "../model/pageStats.js";
import type * as model_prevHistogram from "../model/prevHistogram.js";
import type * as model_rateLimits from "../model/rateLimits.js";
import type * as model_record from "../model/record.js";
import type * as model_recount from "../model/recount.js";
import type * as model_secrets from "../model/secrets.js";
import type * as model_settleVisits from "../model/settleVisits.js";
import type * as model_shareLinks from "../model/shareLinks.js";
import type * as model_statsExport from "../model/statsExport.js";
import type * as model_timeBuckets from "../model/timeBuckets.js";
import type * as model_timeRanges from "../model/timeRanges.js";
import type * as model_timeStats from "../model/timeStats.js";
import type * as model_titles from "../model/titles.js";
import type * as model_unsettledVisits from "../model/unsettledVisits.js";
import type * as model_validation from "../model/validation.js";
import type * as model_visitAttributes from "../model/visitAttributes.js";
import type * as model_visits from "../model/visits.js";
import type * as model_wakeWorker from "../model/wakeWorker.js";
import type * as model_worker from "../model/worker.js";
import type * as stats from "../stats.js";
import type * as worker from "../worker.js";

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";

declare const fullApi: ApiFromModules<{
  admin: typeof admin;
  content: typeof content;
  crons: typeof crons;
  health: typeof health;
  http: typeof http;
  "model/activeVisitors": typeof model_activeVisitors;
  "model/adminEndpoints": typeof model_adminEndpoints;
  "model/aggregates": typeof model_aggregates;
  "model/backfill": typeof model_backfill;
  "model/budget": typeof model_budget;
  "model/cleanup": typeof model_cleanup;
  "model/config": typeof model_config;
  "model/content": typeof model_content;
  "model/counters": typeof model_counters;
  "model/csv": typeof model_csv;
  "model/dashboardAccess": typeof model_dashboardAccess;
  "model/derivedRules": typeof model_derivedRules;
  "model/eventEndpoint": typeof model_eventEndpoint;
  "model/filteredBreakdown": typeof model_filteredBreakdown;
  "model/foldPageViews": typeof model_foldPageViews;
  "model/foldSessions": typeof model_foldSessions;
  "model/health": typeof model_health;
  "model/jsonResponse": typeof model_jsonResponse;
  "model/pageStats": typeof model_pageStats;
  "model/prevHistogram": typeof model_prevHistogram;
  "model/rateLimits": typeof model_rateLimits;
  "model/record": typeof model_record;
  "model/recount": typeof model_recount;
  "model/secrets": typeof model_secrets;
  "model/settleVisits": typeof model_settleVisits;
  "model/shareLinks": typeof model_shareLinks;
  "model/statsExport": typeof model_statsExport;
  "model/timeBuckets": typeof model_timeBuckets;
  "model/timeRanges": typeof model_timeRanges;
  "model/timeStats": typeof model_timeStats;
  "model/titles": typeof model_titles;
  "model/unsettledVisits": typeof model_unsettledVisits;
  "model/validation": typeof model_validation;
  "model/visitAttributes": typeof model_visitAttributes;
  "model/visits": typeof model_visits;
  "model/wakeWorker": typeof model_wakeWorker;
  "model/worker": typeof model_worker;
  stats: typeof stats;
  worker: typeof worker;
}>;

/**
 * A utility for referencing Convex functions in your app's public API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
export declare const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
>;

/**
 * A utility for referencing Convex functions in your app's internal API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = internal.myModule.myFunction;
 * ```
 */
export declare const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
>;

export declare const components: {
  batchWorker: import("@convex-dev/batch-worker/_generated/component.js").ComponentApi<"batchWorker">;
  rateLimiter: import("@convex-dev/rate-limiter/_generated/component.js").ComponentApi<"rateLimiter">;
  posts: import("@convex-dev/aggregate/_generated/component.js").ComponentApi<"posts">;
  pages: import("@convex-dev/aggregate/_generated/component.js").ComponentApi<"pages">;
};
