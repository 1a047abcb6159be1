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
import type * as docsStats from "../docsStats.js";
import type * as health from "../health.js";
import type * as http from "../http.js";
import type * as model_aggregates from "../model/aggregates.js";
import type * as model_content from "../model/content.js";
import type * as model_titles from "../model/titles.js";
import type * as model_upgrade from "../model/upgrade.js";
import type * as stats from "../stats.js";

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";

declare const fullApi: ApiFromModules<{
  content: typeof content;
  docsStats: typeof docsStats;
  health: typeof health;
  http: typeof http;
  "model/aggregates": typeof model_aggregates;
  "model/content": typeof model_content;
  "model/titles": typeof model_titles;
  "model/upgrade": typeof model_upgrade;
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
  liveStats: import("../../src/component/_generated/component.js").ComponentApi<"liveStats">;
  docsStats: import("../../src/component/_generated/component.js").ComponentApi<"docsStats">;
  posts: import("@convex-dev/aggregate/_generated/component.js").ComponentApi<"posts">;
  pages: import("@convex-dev/aggregate/_generated/component.js").ComponentApi<"pages">;
};
