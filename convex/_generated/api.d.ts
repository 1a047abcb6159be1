/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type * as content from "../content.js";
import type * as crons from "../crons.js";
import type * as model_aggregates from "../model/aggregates.js";
import type * as model_backfill from "../model/backfill.js";
import type * as model_budget from "../model/budget.js";
import type * as model_config from "../model/config.js";
import type * as model_content from "../model/content.js";
import type * as model_pageStats from "../model/pageStats.js";
import type * as model_pageViews from "../model/pageViews.js";
import type * as model_sessions from "../model/sessions.js";
import type * as model_titles from "../model/titles.js";
import type * as model_validation from "../model/validation.js";
import type * as stats from "../stats.js";

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";

declare const fullApi: ApiFromModules<{
  content: typeof content;
  crons: typeof crons;
  "model/aggregates": typeof model_aggregates;
  "model/backfill": typeof model_backfill;
  "model/budget": typeof model_budget;
  "model/config": typeof model_config;
  "model/content": typeof model_content;
  "model/pageStats": typeof model_pageStats;
  "model/pageViews": typeof model_pageViews;
  "model/sessions": typeof model_sessions;
  "model/titles": typeof model_titles;
  "model/validation": typeof model_validation;
  stats: typeof stats;
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
  pageViewsByPath: import("@convex-dev/aggregate/_generated/component.js").ComponentApi<"pageViewsByPath">;
  uniqueVisitors: import("@convex-dev/aggregate/_generated/component.js").ComponentApi<"uniqueVisitors">;
  distinctPaths: import("@convex-dev/aggregate/_generated/component.js").ComponentApi<"distinctPaths">;
  activeSessions: import("@convex-dev/aggregate/_generated/component.js").ComponentApi<"activeSessions">;
  posts: import("@convex-dev/aggregate/_generated/component.js").ComponentApi<"posts">;
  pages: import("@convex-dev/aggregate/_generated/component.js").ComponentApi<"pages">;
};
