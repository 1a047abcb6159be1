/* eslint-disable */
/**
 * Generated `ComponentApi` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type { FunctionReference } from "convex/server";

/**
 * A utility for referencing a Convex component's exposed API.
 *
 * Useful when expecting a parameter like `components.myComponent`.
 * Usage:
 * ```ts
 * async function myFunction(ctx: QueryCtx, component: ComponentApi) {
 *   return ctx.runQuery(component.someFile.someQuery, { ...args });
 * }
 * ```
 */
export type ComponentApi<Name extends string | undefined = string | undefined> =
  {
    operate: {
      backfill: FunctionReference<
        "mutation",
        "internal",
        { acceptRetentionLoss?: boolean },
        { started: boolean; runId: number; message: string },
        Name
      >;
      checkAdminToken: FunctionReference<
        "query",
        "internal",
        { token: string },
        "off" | "denied" | "granted",
        Name
      >;
      claimUmamiWebsiteId: FunctionReference<
        "mutation",
        "internal",
        { candidate: string },
        string,
        Name
      >;
      cleanupStaleSessions: FunctionReference<
        "mutation",
        "internal",
        { reschedule?: boolean },
        { deleted: number; pruned: number; more: boolean },
        Name
      >;
      countFoldedViews: FunctionReference<
        "query",
        "internal",
        { path: string; foldedUpTo: bigint | null; cursor: string | null },
        {
          rows: number;
          retiredViews: number;
          continueCursor: string;
          isDone: boolean;
        },
        Name
      >;
      createApiKey: FunctionReference<
        "action",
        "internal",
        { label: string },
        { id: string; label: string; key: string },
        Name
      >;
      createFunnel: FunctionReference<
        "mutation",
        "internal",
        { name: string; steps: Array<string> },
        { name: string; steps: Array<string>; createdAt: number },
        Name
      >;
      createGoal: FunctionReference<
        "mutation",
        "internal",
        {
          name: string;
          event?: string;
          page?: string;
          props?: Array<{ key: string; value: string }>;
        },
        {
          name: string;
          event?: string;
          page?: string;
          props?: Array<{ key: string; value: string }>;
          createdAt: number;
        },
        Name
      >;
      createShareLink: FunctionReference<
        "action",
        "internal",
        { label: string },
        { id: string; label: string; token: string; path: string },
        Name
      >;
      deleteFunnel: FunctionReference<
        "mutation",
        "internal",
        { name: string },
        { deleted: boolean },
        Name
      >;
      deleteGoal: FunctionReference<
        "mutation",
        "internal",
        { name: string },
        { deleted: boolean },
        Name
      >;
      healthReport: FunctionReference<
        "query",
        "internal",
        {
          now: number;
          token?: string;
          mountName?: string;
          backfillCommand?: string;
        },
        | {
            healthy: boolean;
            reasons: Array<string>;
            checkedAt: number;
            checks: {
              rules: {
                ok: boolean;
                message: string;
                fix?: string;
                changes: Array<{
                  rule: string;
                  from: string | number;
                  to: string | number;
                  compatible: boolean;
                }>;
              };
              worker: {
                ok: boolean;
                message: string;
                fix?: string;
                status: "never run" | "idle" | "running" | "stopped";
                lagMs: number;
              };
              backfill: {
                ok: boolean;
                message: string;
                fix?: string;
                state: "never run" | "running" | "done";
              };
              cleanup: {
                ok: boolean;
                message: string;
                fix?: string;
                lastRunAt: number | null;
              };
              rollup: {
                ok: boolean;
                message: string;
                fix?: string;
                minutesSince: number | null;
                hoursSince: number | null;
                lagMs: number;
              };
              retention: {
                ok: boolean;
                message: string;
                fix?: string;
                days: number | null;
                refusedKeepDays: number | null;
                lagMs: number;
              };
            };
          }
        | {
            healthy: boolean;
            private: true;
            reasons: Array<string>;
            checks: {
              rules: { ok: boolean };
              worker: { ok: boolean };
              backfill: {
                ok: boolean;
                state: "never run" | "running" | "done";
              };
              cleanup: { ok: boolean };
              rollup: { ok: boolean };
              retention: { ok: boolean };
            };
          },
        Name
      >;
      importLegacyRows: FunctionReference<
        "mutation",
        "internal",
        {
          pageViews?: Array<{
            path: string;
            pageType: string;
            sessionId: string;
            timestamp: number;
            newVisitor?: boolean;
          }>;
          visits?: Array<{
            sessionId: string;
            start: number;
            lastActivity: number;
            views: number;
            entryPage: string;
            exitPage: string;
            source: string;
            referrer?: string;
            utmSource?: string;
            utmMedium?: string;
            utmCampaign?: string;
            browser: string;
            browserVersion: string;
            os: string;
            device: string;
            country: string;
            language: string;
            screen: string;
            scrollDepths?: Array<{ path: string; depth: number }>;
          }>;
          activeSessions?: Array<{
            sessionId: string;
            currentPath: string;
            lastSeen: number;
            newVisitor?: boolean;
            pageChanges?: { value: number; ts: number };
          }>;
          shareLinks?: Array<{
            label: string;
            tokenHash: string;
            createdAt: number;
          }>;
        },
        { imported: number },
        Name
      >;
      listApiKeys: FunctionReference<
        "query",
        "internal",
        {},
        Array<{ id: string; label: string; createdAt: number }>,
        Name
      >;
      listFunnels: FunctionReference<
        "query",
        "internal",
        {},
        Array<{ name: string; steps: Array<string>; createdAt: number }>,
        Name
      >;
      listGoals: FunctionReference<
        "query",
        "internal",
        {},
        Array<{
          name: string;
          event?: string;
          page?: string;
          props?: Array<{ key: string; value: string }>;
          createdAt: number;
        }>,
        Name
      >;
      listShareLinks: FunctionReference<
        "query",
        "internal",
        {},
        Array<{ id: string; label: string; createdAt: number }>,
        Name
      >;
      recountSample: FunctionReference<
        "query",
        "internal",
        { limit: number },
        {
          backfill: { runId: number; phase: string } | null;
          foldedUpTo: bigint | null;
          pages: Array<{
            path: string;
            pathStatsViews: number | null;
            bucketViews: number | null;
            retiredViews: number;
          }>;
          site: { counterViews: number; bucketViews: number };
        },
        Name
      >;
      revokeApiKey: FunctionReference<
        "mutation",
        "internal",
        { id: string },
        { revoked: boolean },
        Name
      >;
      revokeShareLink: FunctionReference<
        "mutation",
        "internal",
        { id: string },
        { revoked: boolean },
        Name
      >;
      umamiWebsiteId: FunctionReference<
        "query",
        "internal",
        {},
        string | null,
        Name
      >;
      useApiKey: FunctionReference<
        "mutation",
        "internal",
        { key: string },
        | { allowed: true }
        | { allowed: false; reason: "unauthorized" }
        | { allowed: false; reason: "rateLimited"; retryAfter: number },
        Name
      >;
    };
    read: {
      breakdown: FunctionReference<
        "query",
        "internal",
        {
          from: number;
          to: number;
          filter?: { property: string; value: string };
          filters?: Array<{ property: string; op: string; value: string }>;
          token?: string;
          property: string;
          limit?: number;
          granted?: boolean;
        },
        Array<{
          value: string;
          title?: string;
          pageviews?: number;
          visitors: number;
          events?: number;
          conversionRate?: number;
          revenue?: number;
          averageRevenue?: number;
          visits?: number;
          bounceRate?: number;
          visitDurationMs?: number;
          scrollDepth?: number;
        }>,
        Name
      >;
      conversionSetup: FunctionReference<
        "query",
        "internal",
        { token?: string; granted?: boolean },
        {
          funnels: Array<{ name: string; steps: Array<string> }>;
          goals: Array<{
            name: string;
            event?: string;
            page?: string;
            props?: Array<{ key: string; value: string }>;
          }>;
        },
        Name
      >;
      dashboardFunnel: FunctionReference<
        "query",
        "internal",
        {
          from: number;
          to: number;
          funnel: string;
          filters?: Array<{ property: string; op: string; value: string }>;
          token?: string;
          granted?: boolean;
        },
        | { steps: Array<{ goal: string; visits: number }> }
        | {
            refused: {
              code: string;
              message: string;
              field?: string;
              availableFrom?: number;
            };
          },
        Name
      >;
      dashboardHistory: FunctionReference<
        "query",
        "internal",
        {
          range: {
            from: number;
            to: number;
            filter?: { property: string; value: string };
            filters?: Array<{ property: string; op: string; value: string }>;
            interval: string;
            timeZone?: string;
            breakdowns: Array<{ property: string; limit?: number }>;
          };
          before: number;
          token?: string;
          granted?: boolean;
        },
        {
          question: string;
          before: number;
          summary: {
            pageviews: number;
            visitors: number;
            visits: number;
            bounces: number;
            visitViews: number;
            durationMs: number;
            revenue: number;
            scrollDepthVisits?: number;
            scrollDepthSum?: number;
          };
          series: Array<{
            pageviews: number;
            visitors: number;
            visits: number;
            bounces: number;
            visitViews: number;
            durationMs: number;
            revenue: number;
            scrollDepthVisits?: number;
            scrollDepthSum?: number;
          }>;
          breakdowns: Array<null | {
            rows: Array<{
              value: string;
              figures: {
                pageviews: number;
                visitors: number;
                visits: number;
                bounces: number;
                visitViews: number;
                durationMs: number;
                revenue: number;
                scrollDepthVisits?: number;
                scrollDepthSum?: number;
              };
            }>;
            bound: number;
          }>;
        } | null,
        Name
      >;
      dashboardStats: FunctionReference<
        "query",
        "internal",
        {
          range?: {
            from: number;
            to: number;
            filter?: { property: string; value: string };
            filters?: Array<{ property: string; op: string; value: string }>;
            interval: string;
            timeZone?: string;
            breakdowns: Array<{ property: string; limit?: number }>;
            history?: {
              question: string;
              before: number;
              summary: {
                pageviews: number;
                visitors: number;
                visits: number;
                bounces: number;
                visitViews: number;
                durationMs: number;
                revenue: number;
                scrollDepthVisits?: number;
                scrollDepthSum?: number;
              };
              series: Array<{
                pageviews: number;
                visitors: number;
                visits: number;
                bounces: number;
                visitViews: number;
                durationMs: number;
                revenue: number;
                scrollDepthVisits?: number;
                scrollDepthSum?: number;
              }>;
              breakdowns: Array<null | {
                rows: Array<{
                  value: string;
                  figures: {
                    pageviews: number;
                    visitors: number;
                    visits: number;
                    bounces: number;
                    visitViews: number;
                    durationMs: number;
                    revenue: number;
                    scrollDepthVisits?: number;
                    scrollDepthSum?: number;
                  };
                }>;
                bound: number;
              }>;
            };
          };
          token?: string;
          granted?: boolean;
        },
        {
          range:
            | {
                summary: {
                  from: number;
                  to: number;
                  pageviews: number;
                  visitors: number;
                  visits: number;
                  viewsPerVisit: number;
                  bounceRate: number;
                  visitDurationMs: number;
                  events?: number;
                  conversionRate?: number;
                  revenue?: number;
                  averageRevenue?: number;
                  scrollDepth?: number;
                };
                series: Array<{
                  start: number;
                  pageviews: number;
                  visitors: number;
                  visits: number;
                  viewsPerVisit: number;
                  bounceRate: number;
                  visitDurationMs: number;
                  events?: number;
                  conversionRate?: number;
                  revenue?: number;
                  averageRevenue?: number;
                  scrollDepth?: number;
                }>;
                breakdowns: Array<
                  | {
                      rows: Array<{
                        value: string;
                        title?: string;
                        pageviews?: number;
                        visitors: number;
                        events?: number;
                        conversionRate?: number;
                        revenue?: number;
                        averageRevenue?: number;
                        visits?: number;
                        bounceRate?: number;
                        visitDurationMs?: number;
                        scrollDepth?: number;
                      }>;
                    }
                  | {
                      refused: {
                        code: string;
                        message: string;
                        field?: string;
                        availableFrom?: number;
                      };
                    }
                >;
              }
            | {
                error: {
                  code: string;
                  message: string;
                  field?: string;
                  availableFrom?: number;
                };
              }
            | null;
          active: {
            activeVisitors: number;
            activeByPath: Array<{ path: string; title: string; count: number }>;
          };
          pageViews: {
            totalPageViews: number;
            uniqueVisitors: number;
            trackingSince: number | null;
            distinctPages: number;
            pageStats: Array<{
              path: string;
              title: string;
              pageType: string;
              views: number;
            }>;
            backfill: {
              state: "running" | "done";
              phase:
                | "reset"
                | "pageViews"
                | "customEvents"
                | "visits"
                | "activeSessions"
                | "liveVisits";
              processed: number;
              chunks: number;
              startedAt: number;
              updatedAt: number;
              finishedAt?: number;
            } | null;
          };
        },
        Name
      >;
      funnel: FunctionReference<
        "query",
        "internal",
        {
          from: number;
          to: number;
          funnel: string;
          filters?: Array<{ property: string; op: string; value: string }>;
          token?: string;
          granted?: boolean;
        },
        Array<{ goal: string; visits: number }>,
        Name
      >;
      getActiveVisitors: FunctionReference<
        "query",
        "internal",
        { now?: number; token?: string; granted?: boolean },
        {
          activeVisitors: number;
          activeByPath: Array<{ path: string; title: string; count: number }>;
        },
        Name
      >;
      getPageViewStats: FunctionReference<
        "query",
        "internal",
        { token?: string; granted?: boolean },
        {
          totalPageViews: number;
          uniqueVisitors: number;
          trackingSince: number | null;
          distinctPages: number;
          pageStats: Array<{
            path: string;
            title: string;
            pageType: string;
            views: number;
          }>;
          backfill: {
            state: "running" | "done";
            phase:
              | "reset"
              | "pageViews"
              | "customEvents"
              | "visits"
              | "activeSessions"
              | "liveVisits";
            processed: number;
            chunks: number;
            startedAt: number;
            updatedAt: number;
            finishedAt?: number;
          } | null;
        },
        Name
      >;
      getStats: FunctionReference<
        "query",
        "internal",
        { now?: number; token?: string; granted?: boolean },
        {
          totalPageViews: number;
          uniqueVisitors: number;
          trackingSince: number | null;
          distinctPages: number;
          pageStats: Array<{
            path: string;
            title: string;
            pageType: string;
            views: number;
          }>;
          backfill: {
            state: "running" | "done";
            phase:
              | "reset"
              | "pageViews"
              | "customEvents"
              | "visits"
              | "activeSessions"
              | "liveVisits";
            processed: number;
            chunks: number;
            startedAt: number;
            updatedAt: number;
            finishedAt?: number;
          } | null;
          activeVisitors: number;
          activeByPath: Array<{ path: string; title: string; count: number }>;
        },
        Name
      >;
      listPageStats: FunctionReference<
        "query",
        "internal",
        {
          paginationOpts: {
            numItems: number;
            cursor: string | null;
            endCursor?: string | null;
            id?: number;
            maximumRowsRead?: number;
            maximumBytesRead?: number;
          };
          token?: string;
          granted?: boolean;
        },
        {
          page: Array<{
            path: string;
            title: string;
            pageType: string;
            views: number;
          }>;
          continueCursor: string;
          isDone: boolean;
          splitCursor?: string | null;
          pageStatus?: "SplitRecommended" | "SplitRequired" | null;
        },
        Name
      >;
      rulesCheck: FunctionReference<
        "query",
        "internal",
        { mountName?: string; backfillCommand?: string },
        {
          rebuildNeeded: boolean;
          backfillRunning: boolean;
          reasons: Array<string>;
          rebuildCommand: string;
        },
        Name
      >;
      settings: FunctionReference<
        "query",
        "internal",
        { token?: string; granted?: boolean },
        {
          timeZone: string;
          currency: string | null;
          trackingSince: number | null;
          visibility: "public" | "private";
          canRead: boolean;
          detail: { minutesSince: number; hoursSince: number };
        },
        Name
      >;
      summary: FunctionReference<
        "query",
        "internal",
        {
          from: number;
          to: number;
          filter?: { property: string; value: string };
          filters?: Array<{ property: string; op: string; value: string }>;
          token?: string;
          granted?: boolean;
        },
        {
          from: number;
          to: number;
          pageviews: number;
          visitors: number;
          visits: number;
          viewsPerVisit: number;
          bounceRate: number;
          visitDurationMs: number;
          events?: number;
          conversionRate?: number;
          revenue?: number;
          averageRevenue?: number;
          scrollDepth?: number;
        },
        Name
      >;
      timeseries: FunctionReference<
        "query",
        "internal",
        {
          from: number;
          to: number;
          filter?: { property: string; value: string };
          filters?: Array<{ property: string; op: string; value: string }>;
          token?: string;
          interval: string;
          timeZone?: string;
          granted?: boolean;
        },
        Array<{
          start: number;
          pageviews: number;
          visitors: number;
          visits: number;
          viewsPerVisit: number;
          bounceRate: number;
          visitDurationMs: number;
          events?: number;
          conversionRate?: number;
          revenue?: number;
          averageRevenue?: number;
          scrollDepth?: number;
        }>,
        Name
      >;
      watchDashboard: FunctionReference<
        "mutation",
        "internal",
        { token?: string; granted?: boolean },
        null,
        Name
      >;
    };
    record: {
      allowedOrigins: FunctionReference<
        "query",
        "internal",
        {},
        Array<string>,
        Name
      >;
      heartbeat: FunctionReference<
        "mutation",
        "internal",
        { sessionId: string; currentPath: string },
        null,
        Name
      >;
      recordEvent: FunctionReference<
        "mutation",
        "internal",
        {
          event:
            | {
                type: "pageview";
                sessionId: string;
                path: string;
                pageType?: string;
                visit?: {
                  referrer?: string;
                  utmSource?: string;
                  utmMedium?: string;
                  utmCampaign?: string;
                  utmTerm?: string;
                  utmContent?: string;
                  screenWidth?: number;
                  language?: string;
                  timeZone?: string;
                };
              }
            | {
                type: "heartbeat";
                sessionId: string;
                path: string;
                scrollDepth?: number;
              }
            | {
                type: "event";
                sessionId: string;
                name: string;
                path: string;
                props?:
                  | Record<string, string | number | boolean>
                  | Array<{ key: string; value: string | number | boolean }>;
                revenue?: { amount: number | string; currency: string };
              };
          userAgent?: string;
          origin?: string;
        },
        | { accepted: true; sessionId?: string }
        | { accepted: false; message: string },
        Name
      >;
      recordForeignEvent: FunctionReference<
        "mutation",
        "internal",
        {
          event:
            | {
                type: "pageview";
                path: string;
                pageType?: string;
                visit?: {
                  referrer?: string;
                  utmSource?: string;
                  utmMedium?: string;
                  utmCampaign?: string;
                  utmTerm?: string;
                  utmContent?: string;
                  screenWidth?: number;
                  language?: string;
                  timeZone?: string;
                };
              }
            | { type: "heartbeat"; path: string; scrollDepth?: number }
            | {
                type: "event";
                name: string;
                path: string;
                props?:
                  | Record<string, string | number | boolean>
                  | Array<{ key: string; value: string | number | boolean }>;
                revenue?: { amount: number | string; currency: string };
              };
          site: string;
          umamiWebsite?: boolean;
          salt: string;
          userAgent?: string;
          origin?: string;
        },
        | { accepted: true; sessionId?: string }
        | { accepted: false; message: string }
        | { accepted: false; unknownSite: true; message: string },
        Name
      >;
      recordPageView: FunctionReference<
        "mutation",
        "internal",
        {
          path: string;
          pageType: string;
          sessionId: string;
          visit?: {
            referrer?: string;
            utmSource?: string;
            utmMedium?: string;
            utmCampaign?: string;
            utmTerm?: string;
            utmContent?: string;
            screenWidth?: number;
            language?: string;
            timeZone?: string;
            userAgent?: string;
          };
        },
        { recorded: boolean; newVisitor: boolean },
        Name
      >;
      trackEvent: FunctionReference<
        "mutation",
        "internal",
        {
          sessionId: string;
          name: string;
          path: string;
          props?:
            | Record<string, string | number | boolean>
            | Array<{ key: string; value: string | number | boolean }>;
          revenue?: { amount: number | string; currency: string };
          userAgent?: string;
        },
        { recorded: boolean },
        Name
      >;
    };
  };
