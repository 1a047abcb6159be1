import {
  internalActionGeneric,
  internalMutationGeneric,
  internalQueryGeneric,
  mutationGeneric,
  queryGeneric,
  type ApiFromModules,
  type FilterApi,
  type FunctionReference,
  type GenericDataModel,
  type GenericQueryCtx,
} from "convex/server";
import { v, type Infer } from "convex/values";
import type { ComponentApi } from "../component/_generated/component.js";
import { vPageViewRequest } from "../component/record/record.js";
import { vTrackEventRequest } from "../component/record/customEvents.js";
import { vGoal, vGoalArgs } from "../component/operate/goalDefinitions.js";
import { vFunnel, vFunnelArgs as vFunnelDefinition } from "../component/operate/funnels.js";
import { vBackfillArgs, vBackfillStart } from "../component/derive/backfill.js";
import {
  vActiveVisitors,
  vConversionSetup,
  vDashboardFunnel,
  vFunnelArgs,
  vFunnelSteps,
  vBreakdownArgs,
  vBreakdownRow,
  vLegacyNow,
  vListPageStatsArgs,
  vListPageStatsResult,
  vPageViewStats,
  vRange,
  vDashboardStats,
  vDashboardStatsArgs,
  vDashboardHistoryArgs,
  vHistory,
  vRulesCheck,
  vSeriesRow,
  vSettings,
  vSummary,
  vTimeseriesArgs,
  vToken,
} from "../component/read/validators.js";
import { PAGE_PROPERTIES } from "../shared/config.js";
import { mountNameOf } from "./mountName.js";

export { registerRoutes, type RouteOptions, type PageTitlesQuery } from "./http/routes.js";
export type { ComponentApi };

// A share link as the app sees it: ids of the component's tables are plain strings outside it.
const vShareLink = v.object({ id: v.string(), label: v.string(), createdAt: v.number() });
const vNewShareLink = v.object({ id: v.string(), label: v.string(), token: v.string(), path: v.string() });
const vApiKey = v.object({ id: v.string(), label: v.string(), createdAt: v.number() });
const vNewApiKey = v.object({ id: v.string(), label: v.string(), key: v.string() });

/** A page's name as the app knows it; `pageType` overrides the type its first view reported. */
export type PageTitle = { title: string; pageType?: string };
type ActiveVisitorsAnswer = Infer<ReturnType<typeof v.object<typeof vActiveVisitors>>>;

export type LiveStatsOptions<DataModel extends GenericDataModel = GenericDataModel> = {
  /**
   * Names pages from the app's own data (posts, docs…), in the re-exported queries' transaction, so a title
   * change re-runs open dashboards. Return null for a path the app does not know: the path is shown.
   */
  pageTitles?: (ctx: GenericQueryCtx<DataModel>, path: string) => Promise<PageTitle | null>;
  /**
   * Lets a caller read a private dashboard (STATS_VISIBILITY=private) without a share token, e.g. the
   * site's signed-in owner (`ctx.auth`). Public dashboards never ask.
   */
  canRead?: (ctx: GenericQueryCtx<DataModel>) => Promise<boolean>;
  /** The command the dashboard's banner tells the owner to rebuild derived data with; by default the component's own. */
  backfillCommand?: string;
};

/**
 * One site's analytics, for the app's code: `new LiveStats(components.liveStats, options)`.
 * `api()` gives the functions the app re-exports (browsers call the app, never the component).
 */
export class LiveStats<DataModel extends GenericDataModel = GenericDataModel> {
  constructor(
    public readonly component: ComponentApi,
    public readonly options: LiveStatsOptions<DataModel> = {},
  ) {}

  /** The app-facing functions: public ones for trackers and the dashboard, internal ones for the owner's CLI. */
  api() {
    const { component } = this;
    type QueryCtx = GenericQueryCtx<DataModel>;
    // The caller's arguments, with `granted` when the app's own check lets it read a private dashboard.
    const access = async <Args extends { token?: string }>(ctx: QueryCtx, args: Args) => ({ ...args, granted: (await this.options.canRead?.(ctx)) || undefined });
    // The app's title of a path, asked once per call however many of its lists name the path (a dashboard's several do).
    const asked = new WeakMap<QueryCtx, Map<string, Promise<PageTitle | null | undefined>>>();
    const titleOf = (ctx: QueryCtx, path: string) => {
      let titles = asked.get(ctx);
      if (titles === undefined) asked.set(ctx, (titles = new Map()));
      let title = titles.get(path);
      if (title === undefined) titles.set(path, (title = Promise.resolve(this.options.pageTitles?.(ctx, path))));
      return title;
    };
    // Rows whose page is `pathOf(row)`, named by the app's title of it (kept as they were where it has none).
    const withTitles = async <Row extends { title?: string }>(ctx: QueryCtx, rows: Row[], pathOf: (row: Row) => string) =>
      await Promise.all(rows.map(async (row) => ({ ...row, title: (await titleOf(ctx, pathOf(row)))?.title ?? row.title })));
    // Top pages take the app's page type too.
    const titled = async <Row extends { path: string; title: string; pageType: string }>(ctx: QueryCtx, rows: Row[]) =>
      await Promise.all(rows.map(async (row) => ({ ...row, ...(await titleOf(ctx, row.path)) })));
    // Active now, its pages named by the app's titles.
    const titledActive = async (ctx: QueryCtx, { activeVisitors, activeByPath }: ActiveVisitorsAnswer): Promise<ActiveVisitorsAnswer> => ({
      activeVisitors,
      activeByPath: await withTitles(ctx, activeByPath, (row) => row.path),
    });
    // A breakdown's rows of pages (page, entry and exit page) named by the app's titles.
    const titledBreakdown = async <Row extends { value: string; title?: string }>(ctx: QueryCtx, property: string, rows: Row[]) =>
      (PAGE_PROPERTIES as readonly string[]).includes(property) && this.options.pageTitles ? await withTitles(ctx, rows, (row) => row.value) : rows;
    return {
      /** A view, deduplicated per session and path for 30 minutes; throws INVALID_ARGUMENT or RATE_LIMITED. */
      recordPageView: mutationGeneric({
        args: vPageViewRequest,
        returns: v.object({ recorded: v.boolean(), newVisitor: v.boolean() }),
        handler: async (ctx, args) => await ctx.runMutation(component.record.recordPageView, args),
      }),
      /** The visitor is still on `currentPath`: keeps them "active now" and extends their visit. */
      heartbeat: mutationGeneric({
        args: { sessionId: v.string(), currentPath: v.string() },
        returns: v.null(),
        handler: async (ctx, args) => await ctx.runMutation(component.record.heartbeat, args),
      }),
      /** A custom event (`Signup`, with props and revenue: prds/events.md); throws INVALID_ARGUMENT (nothing written) or RATE_LIMITED. */
      trackEvent: mutationGeneric({
        args: vTrackEventRequest,
        returns: v.object({ recorded: v.boolean() }),
        handler: async (ctx, args) => await ctx.runMutation(component.record.trackEvent, args),
      }),
      /** Totals, unique visitors, tracking since and the top pages. */
      getPageViewStats: queryGeneric({
        args: vToken,
        returns: v.object(vPageViewStats),
        handler: async (ctx, args) => {
          const stats = await ctx.runQuery(component.read.getPageViewStats, await access(ctx, args));
          return { ...stats, pageStats: await titled(ctx, stats.pageStats) };
        },
      }),
      /** Active now, and the busiest pages. */
      getActiveVisitors: queryGeneric({
        args: { ...vLegacyNow, ...vToken },
        returns: v.object(vActiveVisitors),
        handler: async (ctx, { now: _now, ...args }) => await titledActive(ctx, await ctx.runQuery(component.read.getActiveVisitors, await access(ctx, args))),
      }),
      /** Both of the above in one answer. */
      getStats: queryGeneric({
        args: { ...vLegacyNow, ...vToken },
        returns: v.object({ ...vPageViewStats, ...vActiveVisitors }),
        handler: async (ctx, { now: _now, ...args }) => {
          const stats = await ctx.runQuery(component.read.getStats, await access(ctx, args));
          return { ...stats, ...(await titledActive(ctx, stats)), pageStats: await titled(ctx, stats.pageStats) };
        },
      }),
      /** Every page by views, paginated (at most 100 a page). */
      listPageStats: queryGeneric({
        args: vListPageStatsArgs,
        returns: vListPageStatsResult,
        handler: async (ctx, { paginationOpts, ...args }) => {
          const result = await ctx.runQuery(component.read.listPageStats, { paginationOpts, ...(await access(ctx, args)) });
          return { ...result, page: await titled(ctx, result.page) };
        },
      }),
      /** Page views, visitors and visits in `[from, to)` (whole minutes), exact, visits in progress as the worker last folded them. */
      summary: queryGeneric({
        args: vRange,
        returns: vSummary,
        handler: async (ctx, args) => await ctx.runQuery(component.read.summary, await access(ctx, args)),
      }),
      /** The same figures per minute/hour/day/week/month bucket in a zone, empty buckets included. */
      timeseries: queryGeneric({
        args: vTimeseriesArgs,
        returns: v.array(vSeriesRow),
        handler: async (ctx, args) => await ctx.runQuery(component.read.timeseries, await access(ctx, args)),
      }),
      /** The range's top values of a property, every figure exact. */
      breakdown: queryGeneric({
        args: vBreakdownArgs,
        returns: v.array(vBreakdownRow),
        handler: async (ctx, args) => await titledBreakdown(ctx, args.property, await ctx.runQuery(component.read.breakdown, await access(ctx, args))),
      }),
      /** A funnel's steps, each with the visits of `[from, to)` that reached it in order (under `filters` of pages and visit properties). */
      funnel: queryGeneric({
        args: vFunnelArgs,
        returns: vFunnelSteps,
        handler: async (ctx, args) => await ctx.runQuery(component.read.funnel, await access(ctx, args)),
      }),
      /** The dashboard's Funnels view: a funnel's steps, or why a scan cannot answer them (in place). */
      dashboardFunnel: queryGeneric({
        args: vFunnelArgs,
        returns: vDashboardFunnel,
        handler: async (ctx, args) => await ctx.runQuery(component.read.dashboardFunnel, await access(ctx, args)),
      }),
      /** The goals and funnels the owner defined (for the dashboard's Goals and Funnels views). */
      conversionSetup: queryGeneric({
        args: vToken,
        returns: vConversionSetup,
        handler: async (ctx, args) => await ctx.runQuery(component.read.conversionSetup, await access(ctx, args)),
      }),
      /** Everything a dashboard shows live in one answer (its one subscription): the range's summary, series and breakdowns, active now, the all-time figures. */
      dashboardStats: queryGeneric({
        args: vDashboardStatsArgs,
        returns: vDashboardStats,
        handler: async (ctx, args) => {
          const { range, active, pageViews } = await ctx.runQuery(component.read.dashboardStats, await access(ctx, args));
          const titledRange =
            range === null || "error" in range
              ? range
              : {
                  ...range,
                  breakdowns: await Promise.all(
                    range.breakdowns.map(async (part, i) => ("rows" in part ? { rows: await titledBreakdown(ctx, args.range!.breakdowns[i].property, part.rows) } : part)),
                  ),
                };
          return { range: titledRange, active: await titledActive(ctx, active), pageViews: { ...pageViews, pageStats: await titled(ctx, pageViews.pageStats) } };
        },
      }),
      /** What a dashboard's range held before a local midnight inside it, for `dashboardStats` to take back (`range.history`): it reads only today's buckets then. */
      dashboardHistory: queryGeneric({
        args: vDashboardHistoryArgs,
        returns: v.union(vHistory, v.null()),
        handler: async (ctx, args) => await ctx.runQuery(component.read.dashboardHistory, await access(ctx, args)),
      }),
      /** The site's time zone, and whether the dashboard is private and this caller may read it. */
      settings: queryGeneric({
        args: vToken,
        returns: vSettings,
        handler: async (ctx, args) => await ctx.runQuery(component.read.settings, await access(ctx, args)),
      }),
      /** For the dashboard's banner: rule changes whose figures need the backfill. */
      rulesCheck: queryGeneric({
        args: {},
        returns: vRulesCheck,
        handler: async (ctx) =>
          await ctx.runQuery(component.read.rulesCheck, { mountName: mountNameOf(component), backfillCommand: this.options.backfillCommand }),
      }),
      /**
       * An open, visible dashboard (or a page of the app's showing these queries) watches the figures: for a lease of
       * WATCH_LEASE_MS, the worker folds views within 1.5 s instead of every 10 minutes. Renew it every
       * WATCH_RENEW_MS while the page is visible (`<StatsDashboard>` and `useWatchStats` do); the same access as the queries.
       */
      watchDashboard: mutationGeneric({
        args: vToken,
        returns: v.null(),
        handler: async (ctx, args) => await ctx.runMutation(component.read.watchDashboard, await access(ctx, args)),
      }),
      /** Titles for paths (null where the app has none): registerRoutes' `pageTitles`, for the CSV export. */
      pageTitles: internalQueryGeneric({
        args: { paths: v.array(v.string()) },
        returns: v.array(v.union(v.string(), v.null())),
        handler: async (ctx, { paths }) => await Promise.all(paths.map(async (path) => (await this.options.pageTitles?.(ctx, path))?.title ?? null)),
      }),
      /**
       * Rebuilds derived data from the rows: `npx convex run stats:backfill '{}'`. Once raw retention has deleted rows the
       * figures count, it refuses (RETENTION_LOSS) unless `{"acceptRetentionLoss": true}`: they would be dropped.
       */
      backfill: internalMutationGeneric({
        args: vBackfillArgs,
        returns: vBackfillStart,
        handler: async (ctx, args) => await ctx.runMutation(component.operate.backfill, args),
      }),
      /** A share link of a private dashboard: its token and `/stats?token=…` path, shown only now. */
      createShareLink: internalActionGeneric({
        args: { label: v.string() },
        returns: vNewShareLink,
        handler: async (ctx, args) => await ctx.runAction(component.operate.createShareLink, args),
      }),
      /** Every share link, newest first (never a token). */
      listShareLinks: internalQueryGeneric({
        args: {},
        returns: v.array(vShareLink),
        handler: async (ctx) => await ctx.runQuery(component.operate.listShareLinks, {}),
      }),
      /**
       * A Stats API key for `POST /api/v2/query` (Plausible's Stats API v2: prds/compat.md), shown only now:
       * `npx convex run stats:createApiKey '{"label": "Reporting"}'`.
       */
      createApiKey: internalActionGeneric({
        args: { label: v.string() },
        returns: vNewApiKey,
        handler: async (ctx, args) => await ctx.runAction(component.operate.createApiKey, args),
      }),
      /** Every Stats API key, newest first (never a key). */
      listApiKeys: internalQueryGeneric({
        args: {},
        returns: v.array(vApiKey),
        handler: async (ctx) => await ctx.runQuery(component.operate.listApiKeys, {}),
      }),
      /** Revokes a Stats API key: its next request is a 401. */
      revokeApiKey: internalMutationGeneric({
        args: { id: v.string() },
        returns: v.object({ revoked: v.boolean() }),
        handler: async (ctx, args) => await ctx.runMutation(component.operate.revokeApiKey, args),
      }),
      /**
       * A goal, all its history at once: a name and the custom event it counts (narrowed by `props`), or a page path
       * pattern: `npx convex run stats:createGoal '{"name": "Sign-ups", "event": "Signup"}'`, `'{"name": "Read the docs", "page": "/docs/**"}'`.
       */
      createGoal: internalMutationGeneric({
        args: vGoalArgs,
        returns: vGoal,
        handler: async (ctx, args) => await ctx.runMutation(component.operate.createGoal, args),
      }),
      /** Every goal, in the order they were made. */
      listGoals: internalQueryGeneric({
        args: {},
        returns: v.array(vGoal),
        handler: async (ctx) => await ctx.runQuery(component.operate.listGoals, {}),
      }),
      /** Deletes a goal (its event's figures stay); INVALID_ARGUMENT while a funnel uses it. */
      deleteGoal: internalMutationGeneric({
        args: { name: v.string() },
        returns: v.object({ deleted: v.boolean() }),
        handler: async (ctx, args) => await ctx.runMutation(component.operate.deleteGoal, args),
      }),
      /** A funnel: 2 to 8 goals reached in order within one visit: `npx convex run stats:createFunnel '{"name": "Checkout", "steps": ["Viewed pricing", "Started checkout", "Paid"]}'`. */
      createFunnel: internalMutationGeneric({
        args: vFunnelDefinition,
        returns: vFunnel,
        handler: async (ctx, args) => await ctx.runMutation(component.operate.createFunnel, args),
      }),
      /** The id Umami's trackers send as `website` for this site (`POST /api/send`: prds/compat.md): `npx convex run stats:umamiWebsite`; the same id every time. */
      umamiWebsite: internalActionGeneric({
        args: {},
        returns: v.object({ websiteId: v.string() }),
        handler: async (ctx) => ({ websiteId: await ctx.runMutation(component.operate.claimUmamiWebsiteId, { candidate: crypto.randomUUID() }) }),
      }),
      /** Every funnel, in the order they were made. */
      listFunnels: internalQueryGeneric({
        args: {},
        returns: v.array(vFunnel),
        handler: async (ctx) => await ctx.runQuery(component.operate.listFunnels, {}),
      }),
      /** Deletes a funnel (its goals stay). */
      deleteFunnel: internalMutationGeneric({
        args: { name: v.string() },
        returns: v.object({ deleted: v.boolean() }),
        handler: async (ctx, args) => await ctx.runMutation(component.operate.deleteFunnel, args),
      }),
      /** Revokes a share link: dashboards open with it switch to the private page at once. */
      revokeShareLink: internalMutationGeneric({
        args: { id: v.string() },
        returns: v.object({ revoked: v.boolean() }),
        handler: async (ctx, args) => await ctx.runMutation(component.operate.revokeShareLink, args),
      }),
    };
  }
}

type LiveStatsFunctions = ReturnType<LiveStats["api"]>;
/** The app's re-exported functions as references (`api.stats`): what `usePageTracking` and `<StatsDashboard>` take. */
export type StatsApi = FilterApi<ApiFromModules<{ stats: LiveStatsFunctions }>["stats"], FunctionReference<any, "public">>;
