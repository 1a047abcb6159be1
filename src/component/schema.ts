import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import { vRecordedRules } from "./derive/derivedRules.js";
import { vBucketLevel } from "./derive/timeBuckets.js";
import { vVisitFields } from "./record/visitFields.js";
import { vBlockGroup } from "./derive/visitBlocks.js";
import { vPackedMinutes } from "./derive/sessionMinutes.js";
import { vStoredProps, vStoredRevenue } from "./record/eventFields.js";

// A site-wide cap's token bucket: the tokens it held at `at` (a view's or heartbeat's time), refilling at the cap's rate.
const vTokenBucket = v.object({ tokens: v.number(), at: v.number() });
// A session's (or an API key's) own token bucket, as rate-limiter's arithmetic keeps it (record/rateLimits.ts): its tokens at `ts`.
const vSessionTokenBucket = v.object({ value: v.number(), ts: v.number() });

export default defineSchema({
  // Hot path, appended by visitors: one row per page view (the worker moves one a site-wide cap refuses to refusedEvents), the source of truth every statistic derives from.
  pageViews: defineTable({
    path: v.string(),
    pageType: v.string(),
    sessionId: v.string(),
    timestamp: v.number(),
    // When the row committed (ctx.db.vars.commitTs): the worker's cursor. Absent on rows from before the worker.
    committedAt: v.optional(v.commitTs()),
    // True when the session had no view yet: the worker holds it to the new-visitor cap (derive/siteCaps.ts).
    newVisitor: v.optional(v.boolean()),
  })
    .index("by_session_path_timestamp", ["sessionId", "path", "timestamp"])
    // A visit's views, in time order (component/derive/settleVisits.ts).
    .index("by_session_timestamp", ["sessionId", "timestamp"])
    // A page's views, for the site-wide caps (derive/siteCaps.ts) and the admin recount.
    .index("by_path_timestamp", ["path", "timestamp"])
    .index("by_timestamp", ["timestamp"])
    .index("by_committedAt", ["committedAt"]),

  // Hot path, one row per visit, written only by its own session's mutations (component/record/visits.ts).
  visits: defineTable({
    ...vVisitFields,
    // While the visit is open it carries its session's live state, which a heartbeat writes here rather than on a live row
    // (record/visits.ts beatVisit): the page of its latest heartbeat when not `exitPage` (a beat's page can be one whose view the dedup dropped) ...
    currentPath: v.optional(v.string()),
    // ... and the session's page-change limit (record/rateLimits.ts), absent until a beat changes page.
    pageChanges: v.optional(vSessionTokenBucket),
    // When the visit last changed (ctx.db.vars.commitTs): the worker's cursor, so it folds each change as it commits. Absent on rows from before.
    committedAt: v.optional(v.commitTs()),
  })
    .index("by_session_start", ["sessionId", "start"])
    .index("by_committedAt", ["committedAt"])
    // Visits that ended are settled into time buckets in this order (component/derive/settleVisits.ts).
    .index("by_lastActivity", ["lastActivity"]),


  // Hot path, one row per custom event (component/record/customEvents.ts), appended by its session.
  customEvents: defineTable({
    sessionId: v.string(),
    name: v.string(),
    // The page it happened on.
    path: v.string(),
    timestamp: v.number(),
    props: v.optional(vStoredProps),
    revenue: v.optional(vStoredRevenue),
    // When the row committed (ctx.db.vars.commitTs): the worker's cursor.
    committedAt: v.optional(v.commitTs()),
  })
    // The session's events in time order: its per-minute limit, and its visit's.
    .index("by_session_timestamp", ["sessionId", "timestamp"])
    .index("by_timestamp", ["timestamp"])
    .index("by_committedAt", ["committedAt"]),

  // Hot path, one row per browser with no open visit (record/record.ts), written only by its own heartbeats (and deleted by the cleanup cron once idle).
  activeSessions: defineTable({
    sessionId: v.string(),
    currentPath: v.string(),
    lastSeen: v.number(),
    // Restamped on every write, so the worker sees each change once (absent on rows from before the worker).
    committedAt: v.optional(v.commitTs()),
    // True when inserted by a session with no view, until the worker admits it under the new-visitor cap (then false; derive/siteCaps.ts).
    newVisitor: v.optional(v.boolean()),
    // The session's page-change limit (record/rateLimits.ts): it goes with the row, refilled by then.
    pageChanges: v.optional(vSessionTokenBucket),
  })
    .index("by_sessionId", ["sessionId"])
    .index("by_lastSeen", ["lastSeen"])
    .index("by_committedAt", ["committedAt"]),

  // Goals (component/operate/goals.ts): a name, and the custom event (with the property values it narrows to) or page path pattern it counts. The owner's, not derived: a backfill keeps them.
  goals: defineTable({
    name: v.string(),
    event: v.optional(v.string()),
    page: v.optional(v.string()),
    props: v.optional(v.array(v.object({ key: v.string(), value: v.string() }))),
    // A goal's one property value, on rows from before goals took several.
    prop: v.optional(v.object({ key: v.string(), value: v.string() })),
    createdAt: v.number(),
  }).index("by_name", ["name"]),

  // Funnels (component/operate/funnels.ts): a name and its steps, goals' names in order. The owner's, like goals.
  funnels: defineTable({ name: v.string(), steps: v.array(v.string()), createdAt: v.number() }).index("by_name", ["name"]),

  // Share links of a private dashboard (component/operate/shareLinks.ts): the token's SHA-256 only, never the token.
  shareLinks: defineTable({ label: v.string(), tokenHash: v.string(), createdAt: v.number() }).index("by_tokenHash", ["tokenHash"]),

  // Stats API keys (component/operate/apiKeys.ts): the key's SHA-256 only, and its hourly token bucket (API_KEY_REQUESTS_PER_HOUR).
  apiKeys: defineTable({ label: v.string(), keyHash: v.string(), createdAt: v.number(), requests: v.optional(vSessionTokenBucket) }).index("by_keyHash", ["keyHash"]),

  // Derived (worker only): whole-site figures, one document each (component/derive/counters.ts).
  counters: defineTable({
    name: v.union(v.literal("pageViews"), v.literal("visitors"), v.literal("paths"), v.literal("liveSessions"), v.literal("sessionNumbers")),
    value: v.number(),
  }).index("by_name", ["name"]),

  // Derived, from before a session's first view moved onto its visitScopes row (`firstSeen`): read only to take old rows over (derive/visitScopes.ts).
  visitors: defineTable({
    sessionId: v.string(),
    firstSeen: v.number(),
  }).index("by_sessionId", ["sessionId"]),

  // Derived (worker only): one row per path ever viewed, with its exact all-time view count.
  pathStats: defineTable({
    path: v.string(),
    // The type the path's first counted view reported; later views never relabel it.
    pageType: v.string(),
    views: v.number(),
  })
    .index("by_path", ["path"])
    // Ties broken by path, so the ranking never depends on when a row was (re)created.
    .index("by_views", ["views", "path"]),

  // Derived (worker only): what the worker last counted of each live session (its page and last heartbeat).
  liveSessions: defineTable({
    sessionId: v.string(),
    path: v.string(),
    lastSeen: v.number(),
  })
    .index("by_sessionId", ["sessionId"])
    .index("by_lastSeen", ["lastSeen"]),

  // Derived (worker only): one row per page some live session is on, with how many are, ranked by that count.
  activePages: defineTable({
    path: v.string(),
    visitors: v.number(),
  })
    .index("by_path", ["path"])
    .index("by_visitors", ["visitors", "path"]),

  // Derived (worker only): a minute in which a session viewed one page (scope = its path) that its visitScopes row has no room to pack (a bot's), or from before
  // packing until the session is met again; the site's minutes are all of the session's (derive/sessionMinutes.ts).
  sessionMinutes: defineTable({
    sessionId: v.string(),
    scope: v.string(),
    minute: v.number(),
  })
    .index("by_session_scope_minute", ["sessionId", "scope", "minute"])
    // The session's minutes whatever the page: the site's.
    .index("by_session_minute", ["sessionId", "minute"]),

  // Derived (worker only): a minute in which a session sent a custom event of one name or property value, or reached a goal with buckets of its own (scopes "event:",
  // "eventProp:", "goal:"), that its visitScopes row has no room to pack, or from before packing (derive/sessionMinutes.ts).
  eventMinutes: defineTable({
    sessionId: v.string(),
    scope: v.string(),
    minute: v.number(),
  }).index("by_session_scope_minute", ["sessionId", "scope", "minute"]),

  // Derived (worker only): one row per session met by the fold (its first view, event or visit): its first view, and its property values,
  // with the minute its latest settled visit of each started (component/derive/visitScopes.ts).
  visitScopes: defineTable({
    sessionId: v.string(),
    // Parallel arrays: a value's scope ("source:Google") and its latest visit's start minute.
    scopes: v.array(v.string()),
    minutes: v.array(v.number()),
    // False while some values may be kept in sessionMinutes rows instead (from before this table, or past VISIT_SCOPES_MAX).
    complete: v.boolean(),
    // The session's number, given when its first visit is folded: visit blocks name a session by it (derive/visitBlocks.ts).
    number: v.optional(v.number()),
    // When the session's latest custom event was sent, as folded: a visit that starts later has none to read when it settles.
    lastEvent: v.optional(v.number()),
    // The session's minutes with a view of each page and an event of each scope (derive/sessionMinutes.ts); absent on rows from before, until the fold meets the session.
    packedMinutes: v.optional(vPackedMinutes),
    // The session's first view, as folded: absent while it has none (a new visitor at its first), or on rows from before, whose `visitors` row holds it.
    firstSeen: v.optional(v.number()),
  }).index("by_sessionId", ["sessionId"]),

  // The site's Umami website id (operate/umamiWebsite.ts), which Umami's trackers send as `website`: one row, made by the owner's command.
  umamiWebsites: defineTable({ websiteId: v.string() }),

  // Hot path: a random salt per UTC day, which makes the daily visitor id of trackers that send none (Plausible's:
  // record/dailyVisitors.ts), stored by the day's first such request; the cleanup cron deletes every salt whose day has ended.
  visitorSalts: defineTable({ day: v.number(), salt: v.string() }).index("by_day", ["day"]),

  // Derived (worker only): where the worker is with each goal that has buckets of its own (derive/goalBuckets.ts): its history is
  // "waiting" for the first batch that knows the goal, then folding from `after` (creation order) the rows before `before` committed up to `liveFrom`, then "done".
  goalFolds: defineTable({
    goalId: v.id("goals"),
    done: v.boolean(),
    history: v.union(
      v.literal("waiting"),
      v.literal("done"),
      v.object({ liveFrom: v.object({ views: v.optional(v.int64()), events: v.optional(v.int64()) }), before: v.number(), after: v.optional(v.number()) }),
    ),
  })
    .index("by_goalId", ["goalId"])
    .index("by_history_done", ["done"]),

  // Derived (worker only): each custom event property's bucket group ("eventProp:<name>␟<key>"), for the rollup to sweep its old detail (derive/rollup.ts).
  eventPropGroups: defineTable({ group: v.string() }).index("by_group", ["group"]),

  // Derived (worker only): settled visits packed by their start's UTC day, a document per group of columns (derive/visitBlocks.ts).
  visitBlocks: defineTable({
    day: v.number(),
    part: v.number(),
    group: vBlockGroup,
    // Visits in the block (the same in each of its documents), the strings its numbers name (JSON), and the packed visits.
    visits: v.number(),
    values: v.string(),
    data: v.string(),
    // The document's size in bytes, near enough: a scan stops before Convex's read limits.
    bytes: v.number(),
  }).index("by_group_day_part", ["group", "day", "part"]),

  // Derived (worker only): the visits in progress packed as a visit block, a document per group (derive/openVisitSnapshot.ts).
  openVisitBlocks: defineTable({
    group: vBlockGroup,
    visits: v.number(),
    values: v.string(),
    data: v.string(),
    bytes: v.number(),
    // When it was published, how far the visits it holds were folded (the worker's cursor), and whether it holds them all.
    publishedAt: v.number(),
    foldedUpTo: v.optional(v.int64()),
    complete: v.boolean(),
  }).index("by_group", ["group"]),

  // Derived (worker only): the views and visitors of one time bucket, for the site (scope "") or one page (component/derive/timeBuckets.ts).
  // Derived: what the time buckets hold of each visit not settled yet, so its next change folds only the difference (component/derive/foldVisits.ts).
  visitFolds: defineTable({
    visitId: v.id("visits"),
    start: v.number(),
    lastActivity: v.number(),
    views: v.number(),
    // Each page the visit viewed, at its first view there, with its views there (absent on rows from before filters scanned visits)
    // and its deepest scroll there as the page's buckets count it (absent: none reported).
    pages: v.array(v.object({ path: v.string(), at: v.number(), views: v.optional(v.number()), scrollDepth: v.optional(v.number()) })),
    // Its views in time order, packed (derive/packedInts.ts): each one's index in `pages` and its time after `start` (ms), for funnels' order (absent on rows from before).
    sequence: v.optional(v.string()),
    // The visit's session, to find its custom events (absent on rows from before).
    sessionId: v.optional(v.string()),
    // The session's number (derive/visitScopes.ts), so a filter's scan counts its visitors once (absent on rows from before).
    session: v.optional(v.number()),
    // Each property value the visit counts in (its scope), with the minute the session's previous visit there started (null: none).
    scopes: v.array(v.object({ scope: v.string(), prev: v.union(v.number(), v.null()) })),
  })
    .index("by_visitId", ["visitId"])
    // A visit property's figures off whole hours: the visits in progress that started in the range (read/openVisits.ts).
    .index("by_start", ["start"]),

  timeBuckets: defineTable({
    scope: v.string(),
    // What the scope is: "site", "page", or a visit property (component/derive/timeBuckets.ts); absent on rows from before visits.
    group: v.optional(v.string()),
    level: vBucketLevel,
    start: v.number(),
    pageviews: v.number(),
    // Sessions with a view in the bucket.
    visitors: v.number(),
    // Those sessions by the minute of their previous view (component/derive/prevHistogram.ts): inline, flat [minute, count, ...] ...
    prevs: v.optional(v.array(v.number())),
    // ... or, once large, in chunks.
    chunks: v.optional(v.array(v.object({ first: v.number(), last: v.number(), count: v.number(), id: v.id("timeBucketChunks") }))),
    // Visits that start in the bucket (for a page: whose first view of it is in the bucket), those in progress as last folded ...
    visits: v.optional(v.number()),
    // ... those with one view, their views, and their summed duration.
    bounces: v.optional(v.number()),
    visitViews: v.optional(v.number()),
    durationMs: v.optional(v.number()),
    // An event's (scope "event:<name>"): the revenue of its events, in whole minor units of the site's currency.
    revenue: v.optional(v.number()),
    // A page's: of the visits it counts, those with a scroll depth reported there, and their deepest scrolls summed (absent: none yet).
    scrollDepthVisits: v.optional(v.number()),
    scrollDepthSum: v.optional(v.number()),
    // A visit property's: its visits again, which its values rank by (absent on other groups' rows, and on rows from before it).
    rank: v.optional(v.number()),
  })
    .index("by_scope_level_start", ["scope", "level", "start"])
    // A group's values in ranking order (read/timeStats.ts topValues): a visit property's by `rank`, the others' (no rank) by page views.
    .index("by_group_level_start_rank", ["group", "level", "start", "rank", "pageviews"]),

  // Derived (worker only): a chunk of a large time bucket's histogram, flat [minute, count, ...] sorted by minute.
  timeBucketChunks: defineTable({ prevs: v.array(v.number()) }),

  // Derived (worker only, a single row): visits up to here, in `by_lastActivity` order, have ended and are settled (their last change folded, their visitFolds row gone).
  // `blocksFrom`: visits starting from then are all in visit blocks (derive/visitBlocks.ts); absent: from `lastActivity`, where blocks began.
  // `stepsFrom`: visits starting from then have their steps (views and events in order) in their blocks; absent: from blocksFrom.
  visitSettlement: defineTable({ lastActivity: v.number(), creationTime: v.number(), blocksFrom: v.optional(v.number()), stepsFrom: v.optional(v.number()) }),

  // How far old detail is rolled up (worker only, a single row; component/derive/rollup.ts): no minute or quarter-hour bucket
  // starts before `minutesSince`, no hour bucket before `hoursSince`, once `done`.
  rollup: defineTable({
    minutesSince: v.number(),
    hoursSince: v.number(),
    // False while dropped buckets remain to delete; `resumeAt`: the group and level (derive/rollup.ts SWEEP) the next step starts in.
    done: v.boolean(),
    resumeAt: v.optional(v.number()),
    // When the horizons last moved (the rollup's lag while not done), and when its deletions finished.
    startedAt: v.number(),
    finishedAt: v.optional(v.number()),
  }),

  // Progress of the backfill that rebuilds derived data, run by the stats worker (a single row).
  backfillStatus: defineTable({
    state: v.union(v.literal("running"), v.literal("done")),
    runId: v.number(),
    // "reset" empties the derived tables; then the source tables are folded in this order.
    phase: v.union(v.literal("reset"), v.literal("pageViews"), v.literal("customEvents"), v.literal("visits"), v.literal("activeSessions"), v.literal("liveVisits")),
    // An index key within the current table: where the next step resumes.
    cursor: v.union(v.null(), v.array(v.any())),
    // The live worker's cursor when the reset ended: rows committed after it are the live worker's to fold.
    upTo: v.optional(v.object({ views: v.optional(v.int64()), sessions: v.optional(v.int64()), visits: v.optional(v.int64()), events: v.optional(v.int64()) })),
    processed: v.number(),
    chunks: v.number(),
    startedAt: v.number(),
    updatedAt: v.number(),
    finishedAt: v.optional(v.number()),
  }),

  // The rules the derived data was built under (a single row, component/derive/derivedRules.ts): the worker holds while the running ones differ incompatibly.
  derivedRules: defineTable({
    rules: vRecordedRules,
    // When derived data began to be built under them: the worker's first batch, or the end of a backfill's reset.
    recordedAt: v.number(),
    // When a compatible change was last recorded.
    updatedAt: v.number(),
  }),

  // The site-wide caps' token buckets (worker only, a single row; component/derive/siteCaps.ts). Not derived from rows: a backfill keeps it.
  siteCaps: defineTable({ newVisitors: v.optional(vTokenBucket), newPaths: v.optional(vTokenBucket) }),

  // Until when visitors' calls refuse new visitors (a single row): the worker sets it when it refuses one over the cap.
  newVisitorPause: defineTable({ until: v.number() }),

  // Views and heartbeats a site-wide cap left out of every figure (worker only): moved here from pageViews and activeSessions, as evidence.
  refusedEvents: defineTable({
    limit: v.union(v.literal("newVisitors"), v.literal("newPaths")),
    kind: v.union(v.literal("pageview"), v.literal("heartbeat")),
    sessionId: v.string(),
    path: v.string(),
    // A view's page type (a heartbeat has none).
    pageType: v.optional(v.string()),
    // The view's time, or the heartbeat's lastSeen.
    timestamp: v.number(),
    refusedAt: v.number(),
  }).index("by_refusedAt", ["refusedAt"]),

  // What raw retention (STATS_RAW_RETENTION_DAYS, component/operate/retention.ts) deleted, a single row written by the cleanup cron.
  rawRetention: defineTable({
    // Raw rows (views, visits) older than this may be gone: a filtered breakdown, which reads them, refuses a range that starts before.
    deletedBefore: v.number(),
    // What derived data still counts that raw rows no longer hold, since it was last rebuilt (a backfill's reset clears it):
    // the views and visits deleted, and the time of the oldest view deleted ("tracking since").
    retired: v.optional(v.object({ views: v.number(), visits: v.number(), since: v.number(), events: v.optional(v.number()) })),
  }),

  // Views of each page that raw retention deleted since derived data was last rebuilt, for the admin recount (derived = raw rows + these).
  retiredViews: defineTable({ path: v.string(), views: v.number() }).index("by_path", ["path"]),

  // Whether a dashboard watches (a single row, component/read/dashboardWatch.ts): a lease open dashboards renew, read only by the worker.
  dashboardWatch: defineTable({ until: v.number() }),

  // When the cleanup cron last ran (a single row, component/operate/cleanup.ts), rewritten at most once a CLEANUP_RECORD_INTERVAL_MS.
  cleanupStatus: defineTable({ lastRunAt: v.number() }),
});
