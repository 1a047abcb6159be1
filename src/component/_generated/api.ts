/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type * as crons from "../crons.js";
import type * as derive_backfill from "../derive/backfill.js";
import type * as derive_budget from "../derive/budget.js";
import type * as derive_counters from "../derive/counters.js";
import type * as derive_derivedRules from "../derive/derivedRules.js";
import type * as derive_foldPageViews from "../derive/foldPageViews.js";
import type * as derive_foldSessions from "../derive/foldSessions.js";
import type * as derive_foldVisits from "../derive/foldVisits.js";
import type * as derive_goalBuckets from "../derive/goalBuckets.js";
import type * as derive_openVisitSnapshot from "../derive/openVisitSnapshot.js";
import type * as derive_packedInts from "../derive/packedInts.js";
import type * as derive_prevHistogram from "../derive/prevHistogram.js";
import type * as derive_rollup from "../derive/rollup.js";
import type * as derive_sessionMinutes from "../derive/sessionMinutes.js";
import type * as derive_settleVisits from "../derive/settleVisits.js";
import type * as derive_siteCaps from "../derive/siteCaps.js";
import type * as derive_timeBuckets from "../derive/timeBuckets.js";
import type * as derive_visitBlocks from "../derive/visitBlocks.js";
import type * as derive_visitScopes from "../derive/visitScopes.js";
import type * as derive_visitSteps from "../derive/visitSteps.js";
import type * as derive_worker from "../derive/worker.js";
import type * as operate from "../operate.js";
import type * as operate_adminAccess from "../operate/adminAccess.js";
import type * as operate_apiKeys from "../operate/apiKeys.js";
import type * as operate_cleanup from "../operate/cleanup.js";
import type * as operate_funnels from "../operate/funnels.js";
import type * as operate_goalDefinitions from "../operate/goalDefinitions.js";
import type * as operate_goals from "../operate/goals.js";
import type * as operate_health from "../operate/health.js";
import type * as operate_legacyImport from "../operate/legacyImport.js";
import type * as operate_recount from "../operate/recount.js";
import type * as operate_retention from "../operate/retention.js";
import type * as operate_retiredRows from "../operate/retiredRows.js";
import type * as operate_shareLinks from "../operate/shareLinks.js";
import type * as operate_umamiWebsite from "../operate/umamiWebsite.js";
import type * as read from "../read.js";
import type * as read_activeVisitors from "../read/activeVisitors.js";
import type * as read_conversions from "../read/conversions.js";
import type * as read_dashboardAccess from "../read/dashboardAccess.js";
import type * as read_dashboardWatch from "../read/dashboardWatch.js";
import type * as read_figures from "../read/figures.js";
import type * as read_filteredVisits from "../read/filteredVisits.js";
import type * as read_openVisits from "../read/openVisits.js";
import type * as read_pageStats from "../read/pageStats.js";
import type * as read_timeStats from "../read/timeStats.js";
import type * as read_validators from "../read/validators.js";
import type * as record from "../record.js";
import type * as record_customEvents from "../record/customEvents.js";
import type * as record_dailyVisitors from "../record/dailyVisitors.js";
import type * as record_eventFields from "../record/eventFields.js";
import type * as record_events from "../record/events.js";
import type * as record_rateLimits from "../record/rateLimits.js";
import type * as record_record from "../record/record.js";
import type * as record_visitAttributes from "../record/visitAttributes.js";
import type * as record_visitFields from "../record/visitFields.js";
import type * as record_visits from "../record/visits.js";
import type * as record_wakeWorker from "../record/wakeWorker.js";
import type * as worker from "../worker.js";

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";
import { anyApi, componentsGeneric } from "convex/server";

const fullApi: ApiFromModules<{
  crons: typeof crons;
  "derive/backfill": typeof derive_backfill;
  "derive/budget": typeof derive_budget;
  "derive/counters": typeof derive_counters;
  "derive/derivedRules": typeof derive_derivedRules;
  "derive/foldPageViews": typeof derive_foldPageViews;
  "derive/foldSessions": typeof derive_foldSessions;
  "derive/foldVisits": typeof derive_foldVisits;
  "derive/goalBuckets": typeof derive_goalBuckets;
  "derive/openVisitSnapshot": typeof derive_openVisitSnapshot;
  "derive/packedInts": typeof derive_packedInts;
  "derive/prevHistogram": typeof derive_prevHistogram;
  "derive/rollup": typeof derive_rollup;
  "derive/sessionMinutes": typeof derive_sessionMinutes;
  "derive/settleVisits": typeof derive_settleVisits;
  "derive/siteCaps": typeof derive_siteCaps;
  "derive/timeBuckets": typeof derive_timeBuckets;
  "derive/visitBlocks": typeof derive_visitBlocks;
  "derive/visitScopes": typeof derive_visitScopes;
  "derive/visitSteps": typeof derive_visitSteps;
  "derive/worker": typeof derive_worker;
  operate: typeof operate;
  "operate/adminAccess": typeof operate_adminAccess;
  "operate/apiKeys": typeof operate_apiKeys;
  "operate/cleanup": typeof operate_cleanup;
  "operate/funnels": typeof operate_funnels;
  "operate/goalDefinitions": typeof operate_goalDefinitions;
  "operate/goals": typeof operate_goals;
  "operate/health": typeof operate_health;
  "operate/legacyImport": typeof operate_legacyImport;
  "operate/recount": typeof operate_recount;
  "operate/retention": typeof operate_retention;
  "operate/retiredRows": typeof operate_retiredRows;
  "operate/shareLinks": typeof operate_shareLinks;
  "operate/umamiWebsite": typeof operate_umamiWebsite;
  read: typeof read;
  "read/activeVisitors": typeof read_activeVisitors;
  "read/conversions": typeof read_conversions;
  "read/dashboardAccess": typeof read_dashboardAccess;
  "read/dashboardWatch": typeof read_dashboardWatch;
  "read/figures": typeof read_figures;
  "read/filteredVisits": typeof read_filteredVisits;
  "read/openVisits": typeof read_openVisits;
  "read/pageStats": typeof read_pageStats;
  "read/timeStats": typeof read_timeStats;
  "read/validators": typeof read_validators;
  record: typeof record;
  "record/customEvents": typeof record_customEvents;
  "record/dailyVisitors": typeof record_dailyVisitors;
  "record/eventFields": typeof record_eventFields;
  "record/events": typeof record_events;
  "record/rateLimits": typeof record_rateLimits;
  "record/record": typeof record_record;
  "record/visitAttributes": typeof record_visitAttributes;
  "record/visitFields": typeof record_visitFields;
  "record/visits": typeof record_visits;
  "record/wakeWorker": typeof record_wakeWorker;
  worker: typeof worker;
}> = anyApi as any;

/**
 * A utility for referencing Convex functions in your app's public API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
export const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
> = anyApi as any;

/**
 * A utility for referencing Convex functions in your app's internal API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = internal.myModule.myFunction;
 * ```
 */
export const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
> = anyApi as any;

export const components = componentsGeneric() as unknown as {
  batchWorker: import("@convex-dev/batch-worker/_generated/component.js").ComponentApi<"batchWorker">;
};
