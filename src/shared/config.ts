/**
 * The one place for every tuning constant. The server (convex/) and the
 * browser (src/) import these same values, so they can never disagree.
 */

/** A repeat view of the same path by the same session inside this window is not counted. */
export const DEDUP_WINDOW_MS = 30 * 60 * 1000;

/** A session with no heartbeat for this long is no longer "active now". */
export const SESSION_TIMEOUT_MS = 2 * 60 * 1000;

/** How often an open, visible tab reports that its visitor is still there: 60 s, not 30, for 2.7 heartbeats a view instead of 3.7; the trackers' beat as the tab hides keeps a visit's last page exact (prds/collection.md). */
export const HEARTBEAT_INTERVAL_MS = 60 * 1000;

/** The client never sends two heartbeats for the same path closer together than this. */
export const HEARTBEAT_DEBOUNCE_MS = 5 * 1000;

/** The server ignores a same-path heartbeat this soon after its open visit's last activity (a view's or a beat's): no write, no conflict; the trackers' own debounce, so no beat they send (the one as a tab hides) is lost. */
export const HEARTBEAT_DEDUP_MS = HEARTBEAT_DEBOUNCE_MS;

/** A same-page heartbeat of a session with no open visit (its live row) rewrites the row only this long after its last write: it has no visit to extend, every interval's beat passes it, and a row this old plus an interval (105 s) is still live (SESSION_TIMEOUT_MS). */
export const LIVE_ROW_REFRESH_MS = 45 * 1000;

/** The cleanup cron's period (idle sessions' rows go; "active now" does not wait for it): 144 runs, an idle site's only calls, a day. */
export const CLEANUP_INTERVAL_SECONDS = 10 * 60;

/** Half the cron's period: each cron run rewrites its "last ran" record, its follow-up chunks and manual runs in between do not. */
export const CLEANUP_RECORD_INTERVAL_MS = (CLEANUP_INTERVAL_SECONDS * 1000) / 2;

/** The fewest days STATS_RAW_RETENTION_DAYS may keep raw rows: a week, so the worker, settling, the recount and a week's filtered breakdowns always have theirs. */
export const RAW_RETENTION_MIN_DAYS = 7;

/** The most days STATS_RAW_RETENTION_DAYS may name: ten years, past which no range reaches (MAX_RANGE_DAYS). */
export const RAW_RETENTION_MAX_DAYS = 3_653;

/** Days the rows a site-wide cap refused are kept as evidence, or STATS_RAW_RETENTION_DAYS if shorter: long enough to look into a flood. */
export const REFUSED_EVENTS_KEEP_DAYS = 30;

/** Old raw rows of each table one retention step fetches at once; it stops earlier when its transaction budget runs low. */
export const RETENTION_PAGE_SIZE = 400;

/** GET /api/health fails the retention check once a raw row is kept this long past its window (deletion runs every cleanup). */
export const HEALTH_MAX_RETENTION_LAG_MS = 24 * 60 * 60 * 1000;

/** Longest path we accept, in UTF-8 bytes of its canonical form; longer is almost certainly junk or an attack. */
export const MAX_PATH_BYTES = 2048;

/** The kinds of page the tracker reports; stored on each view for the dashboard. */
export const PAGE_TYPES = ["home", "post", "page", "stats", "not-found", "other"] as const;
export type PageType = (typeof PAGE_TYPES)[number];

/** How many pages `getStats` ranks by all-time views (the rest are paginated). */
export const TOP_PAGES_LIMIT = 50;

/** How many of the busiest pages the active-visitor breakdown lists. */
export const ACTIVE_PATHS_LIMIT = 100;

/** The name of the background worker that folds appended events into every derived structure. */
export const STATS_WORKER_NAME = "stats";

/** While a dashboard watches, the worker waits this long after each batch: a view shows within it (issue 19: within 2 s), and dashboards re-run at most once per it. */
export const WORKER_DEBOUNCE_MS = 1_500;

/** A ping wakes an idle worker this soon: at once, since an idle worker's last batch is at least a debounce old (a leading edge: a quiet site's view shows at once). */
export const WORKER_WAKE_MS = 0;

/** While no dashboard watches, views and visits wait up to this long and are folded together: three hours' traffic shares most of its bucket writes (a small site: 22 writes a view, against 27 at an hour and 21 at six; prds/howstatsworks.md). */
export const WORKER_UNWATCHED_FOLD_MS = 3 * 60 * 60 * 1000;

/** While no dashboard watches, the worker waits this long after each batch: as long as views wait, since nobody sees "active now" meanwhile (a dashboard or a Stats API request that starts watching has the worker catch up at once): 17 writes and 11.5 KiB a view on a small site, against 19 and 13.9 at the cron's 10 minutes (prds/howstatsworks.md). */
export const WORKER_UNWATCHED_DEBOUNCE_MS = WORKER_UNWATCHED_FOLD_MS;

/** A dashboard's breakdown panels and goals are asked again at most this often while its live figures change (the cards, chart and active now follow every worker batch): issue 19's 20 MB an hour. */
export const PANELS_REFRESH_MS = 10 * 1000;

/** How long a dashboard's watch lasts unless renewed (a hidden or closed tab stops renewing it): the worker keeps its watched cadence until then. */
export const WATCH_LEASE_MS = 60 * 1000;

/** How often an open, visible dashboard renews its watch; the server writes the lease at most once per half-lease, so extra renewals cost no write. */
export const WATCH_RENEW_MS = WATCH_LEASE_MS / 4;

/** Page views the worker folds per batch at most (with its debounce: over 300 views a second sustained). */
export const WORKER_VIEWS_PER_BATCH = 500;

/** Session changes (heartbeats) the worker folds per batch at most. */
export const WORKER_SESSIONS_PER_BATCH = 500;

/** Visit changes (a view, a heartbeat) the worker folds per batch at most. */
export const WORKER_VISITS_PER_BATCH = 500;

/** Expired live sessions the worker removes per batch. */
export const WORKER_EXPIRIES_PER_BATCH = 200;

/** How long the watched worker keeps polling after its last batch, while visitors called this recently, before it goes idle (a trickle then wakes no transitions). */
export const WORKER_COOLDOWN_MS = 2_000;

/** GET /api/health is unhealthy once the oldest view or heartbeat the worker has not folded is older than its cadence allows (operate/health.ts) plus this. */
export const HEALTH_MAX_WORKER_LAG_MS = 60 * 1000;

/** GET /api/health is unhealthy once the rollup of old detail is this far behind its windows (it runs within minutes of each midnight). */
export const HEALTH_MAX_ROLLUP_LAG_MS = 6 * 60 * 60 * 1000;

/** GET /api/health is unhealthy once the cleanup cron last ran longer ago than this: two runs missed (each run rewrites its record). */
export const HEALTH_MAX_CLEANUP_AGE_MS = (5 * CLEANUP_INTERVAL_SECONDS * 1000) / 2;

/** The largest page a client may ask of a paginated stats list. */
export const MAX_PAGE_SIZE = 100;

/** Rows of the pre-component tables an upgrade moves into the component per transaction (convex/model/upgrade.ts). */
export const LEGACY_IMPORT_ROWS_PER_CHUNK = 500;

/** Rows a backfill step folds (or derived rows it deletes) in one worker batch at most, so a batch stays short; it stops earlier when its transaction budget runs low. */
export const BACKFILL_ROWS_PER_BATCH = 1_000;

/** The derived tables' shape and meaning: bump it with any change that needs them rebuilt, and the worker holds until a backfill has. */
export const DERIVED_DATA_VERSION = 1;

/** Stale sessions a cleanup chunk fetches at once; it stops earlier when its transaction budget runs low. */
export const CLEANUP_PAGE_SIZE = 400;

/** Share of each Convex per-transaction limit a chunked job may use before it hands over to its next chunk. */
export const CHUNK_BUDGET_SHARE = 0.5;

/** The content sync sends documents in batches of about this many bytes, well under Convex's argument limit. */
export const SYNC_BATCH_BYTES = 512 * 1024;

/** Published rows the content sync checks per call when it unpublishes rows whose file is gone. */
export const SYNC_UNPUBLISH_PAGE_SIZE = 100;

/** Rows the dashboard's views-by-page table shows before "Show more". */
export const VIEWS_TABLE_COLLAPSED_ROWS = 10;

/** Rows each "Show more" adds to the views-by-page table (paged from the server past the top list). */
export const VIEWS_TABLE_PAGE_SIZE = 50;

/** Most buckets a time series may have; a finer interval over a longer range is refused. */
export const MAX_BUCKETS = 1_000;

/** Longest date range a stats query accepts: 10 years, as 3,653 days (any 10 calendar years fit). */
export const MAX_RANGE_DAYS = 3_653;

/** Earliest instant a date range may touch, 2000-01-01T00:00Z (from then on every zone's UTC offset is whole quarter-hours). */
export const EARLIEST_RANGE_MS = 946_684_800_000;

/** Latest instant a date range may touch, 2100-01-01T00:00Z. */
export const LATEST_RANGE_MS = 4_102_444_800_000;

/** The dashboard's time zone when the STATS_TIME_ZONE environment variable is not set. */
export const DEFAULT_STATS_TIME_ZONE = "UTC";

/** The "realtime" period: the current minute and the ones just before it, this many minutes in all. */
export const REALTIME_MINUTES = 30;

/** Days minute and quarter-hour buckets are kept (unless STATS_MINUTE_DETAIL_DAYS says otherwise): ranges within them may start and end on any whole minute. */
export const DEFAULT_MINUTE_DETAIL_DAYS = 2;

/** Days hour buckets are kept (unless STATS_HOUR_DETAIL_DAYS says otherwise): a week and the week before it by hour; older ranges fall on whole days. */
export const DEFAULT_HOUR_DETAIL_DAYS = 15;

/** Longest detail window a setting may ask for: ten years, the longest range (no rollup at all, in effect). */
export const MAX_DETAIL_DAYS = 3_653;

/** A session's rows of each kind from before packing (pages' or events' minutes, property values) taken over at once; past it they stay rows, read as such. */
export const SESSION_MINUTES_READ_MAX = 200;

/** Bytes of minutes (about 9 each, plus each scope's name) a session's row packs; past it, a minute is kept as a row of its own (a bot's). */
export const SESSION_MINUTES_PACKED_BYTES = 8_192;

/** Property values a session's visitScopes row holds (about 40 bytes each); past it, a value is kept as a sessionMinutes row of its own, as before. */
export const VISIT_SCOPES_MAX = 1_000;

/** Entries a time bucket's histogram of visitors' previous views keeps on the bucket itself; past it, chunks of this many at most. */
export const PREV_HISTOGRAM_CHUNK_ENTRIES = 256;

/** Rows `breakdown` returns when the caller names no limit. */
export const BREAKDOWN_DEFAULT_LIMIT = 10;

/** The most rows `breakdown` returns. */
export const BREAKDOWN_MAX_LIMIT = 1_000;

/** The most breakdowns one `rangeStats` call answers (the dashboard asks for four). */
export const RANGE_STATS_MAX_BREAKDOWNS = 8;

/** A session's activity (views and heartbeats) with no gap longer than this is one visit. */
export const VISIT_TIMEOUT_MS = 30 * 60 * 1000;

/** A visit settles into time buckets this long after it ended, so a visitor's clock a little behind the worker's never extends a settled visit. */
export const VISIT_SETTLE_GRACE_MS = 60 * 1000;

/** Pages of one visit whose deepest scroll is kept (a Plausible engagement's `sd`); a later page's scroll depth is dropped. */
export const VISIT_SCROLL_PAGES_MAX = 32;

/** The label of visits that arrived with no referrer and no UTM source. */
export const DIRECT_SOURCE = "Direct / None";

/** The label of a device, browser, OS, country, language or screen the visit did not report (or that no parser knows). */
export const UNKNOWN_VALUE = "Unknown";

/** Longest visit field (referrer, UTM value, language, time zone) we accept, in UTF-8 bytes; past it the call is refused. */
export const MAX_VISIT_FIELD_BYTES = 512;

/** Longest user agent we accept, in UTF-8 bytes (real ones are under 500); it is parsed, never stored. */
export const MAX_USER_AGENT_BYTES = 1024;

/** Screen classes by the viewport's CSS width, as Plausible names them: below 576 px Mobile, below 992 Tablet, below 1440 Laptop, else Desktop. */
export const SCREEN_CLASSES = [
  { below: 576, name: "Mobile" },
  { below: 992, name: "Tablet" },
  { below: 1440, name: "Laptop" },
  { below: Infinity, name: "Desktop" },
] as const;

/** Properties a visit has one value of, fixed when it starts (exit page: when it ends); breakdown rows for them add visits, bounce rate and duration. */
export const VISIT_PROPERTIES = [
  "entryPage",
  "exitPage",
  "source",
  "referrer",
  "utmSource",
  "utmMedium",
  "utmCampaign",
  "browser",
  "os",
  "device",
  "country",
  "language",
  "screen",
] as const;
export type VisitProperty = (typeof VISIT_PROPERTIES)[number];

/** Every property `breakdown` and a filter accept: the page of each view, then the visit's. */
export const BREAKDOWN_PROPERTIES = ["page", ...VISIT_PROPERTIES] as const;
export type BreakdownProperty = (typeof BREAKDOWN_PROPERTIES)[number];

/** What `breakdown` takes besides BREAKDOWN_PROPERTIES: custom events by name (prds/events.md). */
export const EVENT_PROPERTY = "event";
/** ... and goals by name (their events' figures). */
export const GOAL_PROPERTY = "goal";
/** ... and, for one event or goal, the values of one of its properties: `prop:plan`. */
export const EVENT_PROP_PREFIX = "prop:";
/** ... and the property keys events carry (under a goal or event filter: that one's), to choose a `prop:<key>` from. */
export const EVENT_PROP_KEYS = "props";
export type BreakdownTarget = BreakdownProperty | typeof EVENT_PROPERTY | typeof GOAL_PROPERTY;
/** What a step filter tests (each of a visit's views and events): a goal, an event's name, or one of its properties' values. */
export type StepProperty = typeof GOAL_PROPERTY | typeof EVENT_PROPERTY | `${typeof EVENT_PROP_PREFIX}${string}`;
/** Every property a filter accepts. */
export type FilterProperty = BreakdownProperty | StepProperty;
export const isStepProperty = (property: string): property is StepProperty => property === GOAL_PROPERTY || property === EVENT_PROPERTY || property.startsWith(EVENT_PROP_PREFIX);

/** The properties whose values are pages: their breakdown rows carry the page's title. */
export const PAGE_PROPERTIES: readonly BreakdownProperty[] = ["page", "entryPage", "exitPage"];

/** Operators a filter may use: the value itself, anything but it (a visit without one included), or a case-insensitive part of it. */
export const FILTER_OPS = ["is", "isNot", "contains"] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

/** Filters a call may combine (ANDed). */
export const MAX_FILTERS = 3;

/** Settled visits are packed this many to a block (read/filteredVisits.ts scans them): a block's documents stay near 15 kB. */
export const VISIT_BLOCK_MAX_VISITS = 1_000;

/** ... and a block closes before any of its documents would pass this (a visit may view hundreds of pages; Convex's limit is 1 MiB a document). */
export const VISIT_BLOCK_MAX_BYTES = 256 * 1024;

/** The visit properties each block document packs beside the core figures (start, duration, views, session): a filter reads only the groups it names. */
export const VISIT_BLOCK_GROUPS = {
  pages: ["entryPage", "exitPage"],
  source: ["source", "referrer", "utmSource", "utmMedium", "utmCampaign"],
  device: ["browser", "os", "device", "screen", "language", "country"],
} as const satisfies Record<string, readonly VisitProperty[]>;

/** A visit keeps at most this many custom events in its block's steps (funnels and goals read them; a session sends at most SESSION_EVENTS_PER_MINUTE). */
export const VISIT_EVENTS_READ_MAX = 500;

/** The snapshot of visits in progress reads at most this many of their custom events; past them, goals and funnels wait as filters do past OPEN_VISITS_READ_MAX. */
export const OPEN_EVENTS_READ_MAX = 8_000;

/** A filtered call scans packed visits up to this many bytes (half of Convex's 16 MiB read limit, less room for the rest): past it, it says from when it can answer. */
export const FILTER_SCAN_MAX_BYTES = 7 * 1024 * 1024;

/** Visits in progress are published for filters' scans, and ended ones settled into blocks, at most this often: a dashboard under such filters re-runs once a minute, not with every worker batch. */
export const FILTER_SNAPSHOT_MS = 60 * 1000;

/** ... and up to this many block documents (half of Convex's 32,000 documents read, less room for the rest). */
export const FILTER_SCAN_MAX_DOCS = 12_000;

/** A scan of visits' steps (goals, events and funnels under filters) reads up to this many bytes: their calls' budget is 4 MiB, less room for the rest. */
export const STEPS_SCAN_MAX_BYTES = 3.5 * 1024 * 1024;

/** ... and up to this many block documents (their calls' budget: 8,000 documents). */
export const STEPS_SCAN_MAX_DOCS = 7_000;


/** A dashboard splits its range at the site's midnight this long ago: yesterday's last visits settle within 31 minutes of midnight, and until then its buckets still change. */
export const HISTORY_SPLIT_LAG_MS = 60 * 60 * 1000;

/** A dashboard's history part ranks a breakdown from at most this many settled buckets' lists (months, then days): a range of years is not split. */
export const HISTORY_COVER_MAX = 64;

/** A dashboard's history part lists a breakdown's top values before today to this many times its limit, so the live part rarely reads an older value's days. */
export const HISTORY_ROWS_PER_ROW = 2;

/** A visit property's figures off whole hours come from the visits in progress (read/openVisits.ts): at most this many a call, else it asks for whole hours. */
export const OPEN_VISITS_READ_MAX = 8_000;

/** The localStorage key that, set to "true", stops the tracker counting this browser (the owner's switch on /stats). */
export const EXCLUDE_ME_STORAGE_KEY = "convex-live-stats:exclude";

/** The localStorage key that, set to "true", lets an automated browser (navigator.webdriver, headless) be counted: for tests only. */
export const COUNT_AUTOMATION_STORAGE_KEY = "convex-live-stats:count-automation";

/** Paths the tracker never records (the dashboard itself); with their subpaths. */
export const UNTRACKED_PATHS = ["/stats"] as const;

/** Random bytes in a share link's token: 256 bits, 43 URL-safe characters. */
export const SHARE_TOKEN_BYTES = 32;

/** Longest share-link label, in characters: it names a link in the owner's list. */
export const SHARE_LINK_LABEL_MAX_CHARS = 100;

/** Requests one Stats API key may make an hour (POST /api/v2/query), as Plausible limits its keys by default. */
export const API_KEY_REQUESTS_PER_HOUR = 600;

/** Largest Stats API query body we read, in bytes: Plausible's longest sensible query is a few kB. */
export const STATS_QUERY_MAX_BODY_BYTES = 64 * 1024;

/** Most rows a Stats API query answers (Plausible's pagination limit). */
export const STATS_QUERY_MAX_LIMIT = 10_000;

/** Longest token a stats query hashes; anything longer is no token of ours (a share token is 43 characters). */
export const MAX_TOKEN_CHARS = 256;

/**
 * The least randomness STATS_READ_TOKEN must have room for, in bits: its length times the bits a character carries in the
 * smallest alphabet it is written in (base64url 6, hex 4, decimal digits log2 10), so 22 base64url characters, 32 hex or 39 digits.
 */
export const MIN_READ_TOKEN_BITS = 128;

/** Page views one session may record per minute (a burst of as many, then this rate): far faster than anyone reads. */
export const SESSION_VIEWS_PER_MINUTE = 60;

/** Heartbeats that move one session to another page (or start it) per minute, as a burst of as many; a same-page beat writes at most once per HEARTBEAT_DEDUP_MS and takes no token. */
export const SESSION_HEARTBEATS_PER_MINUTE = 20;

/** New visitors (sessions never seen) the site counts per minute unless STATS_MAX_NEW_VISITORS_PER_MINUTE says otherwise. */
export const DEFAULT_NEW_VISITORS_PER_MINUTE = 1_000;

/** New distinct paths the site counts per minute unless STATS_MAX_NEW_PATHS_PER_MINUTE says otherwise. */
export const DEFAULT_NEW_PATHS_PER_MINUTE = 200;

/** A site-wide cap lets a burst of this many minutes of its rate through at once (a front page's first minutes). */
export const SITE_CAP_BURST_MINUTES = 2;

/** Once the worker has refused a new visitor over its cap, visitors' calls refuse new visitors for this long, so a flood stops writing rows. */
export const NEW_VISITOR_PAUSE_MS = 10 * 1000;

/** Largest body POST /api/event reads, in bytes (a custom event with every property at its longest is about 70 kB of JSON; a view 6.5 kB). */
export const MAX_EVENT_BODY_BYTES = 80 * 1024;

/** A custom event's name, in characters (Plausible's limit). */
export const EVENT_NAME_MAX_CHARS = 120;

/** Properties one custom event may carry (Plausible's limit). */
export const EVENT_PROPS_MAX = 30;

/** A custom event property's key, in UTF-8 bytes (Plausible's limit). */
export const EVENT_PROP_KEY_MAX_BYTES = 300;

/** A custom event property's value, in UTF-8 bytes, once written as a string (Plausible's limit). */
export const EVENT_PROP_VALUE_MAX_BYTES = 2_000;

/** Custom events one session may record per minute: far more than a person triggers. */
export const SESSION_EVENTS_PER_MINUTE = 60;

/** A Plausible tracker's event: its page URL at most this many bytes (Plausible's limit; a `data:` URL is refused). */
export const FOREIGN_URL_MAX_BYTES = 2_000;

/** A Plausible engagement's engaged time `e` counts only below this (Plausible's 30 days: older trackers sent huge values). */
export const ENGAGEMENT_TIME_MAX_MS = 30 * 24 * 60 * 60 * 1000;

/** Goals a site may have: a breakdown by goal reads each one's buckets. */
export const GOALS_MAX = 100;

/** Funnels a site may have. */
export const FUNNELS_MAX = 50;

/** A funnel has at least this many steps (goals) ... */
export const FUNNEL_STEPS_MIN = 2;

/** ... and at most this many. */
export const FUNNEL_STEPS_MAX = 8;

/** An event goal narrows its event by at most this many property values (all must match). */
export const GOAL_PROPS_MAX = 10;

/** The site's currency when STATS_CURRENCY is unset: revenue in any other is refused (prds/events.md). */
export const DEFAULT_CURRENCY = "USD";

/** The page type of a view sent over HTTP without one (the script cannot know the site's page kinds). */
export const DEFAULT_HTTP_PAGE_TYPE = "other";

/** Pages POST /api/admin/recount checks when the request names no `limit`. */
export const ADMIN_RECOUNT_DEFAULT_PAGES = 20;

/** The most pages one recount checks; a larger `limit` is capped to it. */
export const ADMIN_RECOUNT_MAX_PAGES = 100;

/** Share of a recount's pages drawn from the latest folded views rather than the top by views, so new and long-tail pages are checked too. */
export const ADMIN_RECOUNT_RECENT_SHARE = 0.25;

/** Latest folded views a recount reads to find recently viewed pages. */
export const ADMIN_RECOUNT_RECENT_VIEWS = 200;

/** pageViews rows one recount query reads at most: an eighth of Convex's 32,000 documents, about 1 MB. */
export const ADMIN_RECOUNT_ROWS_PER_QUERY = 4_000;

/** Raw rows one recount request reads at most (about 250 queries, well inside an action's time); pages that would pass it are left out. */
export const ADMIN_RECOUNT_MAX_ROWS = 1_000_000;

/** Cleanup chunks POST /api/admin/cleanup runs at most; the cron removes whatever is left. */
export const ADMIN_CLEANUP_MAX_CHUNKS = 50;
