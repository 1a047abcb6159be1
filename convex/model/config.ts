/**
 * The one place for every tuning constant. The server (convex/) and the
 * browser (src/) import these same values, so they can never disagree.
 */

/** A repeat view of the same path by the same session inside this window is not counted. */
export const DEDUP_WINDOW_MS = 30 * 60 * 1000;

/** A session with no heartbeat for this long is no longer "active now". */
export const SESSION_TIMEOUT_MS = 2 * 60 * 1000;

/** How often an open, visible tab reports that its visitor is still there. */
export const HEARTBEAT_INTERVAL_MS = 30 * 1000;

/** The client never sends two heartbeats for the same path closer together than this. */
export const HEARTBEAT_DEBOUNCE_MS = 5 * 1000;

/** The server ignores a same-path heartbeat this soon after the last one (no write, no conflict). */
export const HEARTBEAT_DEDUP_MS = 10 * 1000;

/** The cleanup cron's period; "active now" is exact to within this much past the timeout. */
export const CLEANUP_INTERVAL_SECONDS = 20;

/** Clients round the `now` they pass to active-visitor queries to this step, so subscriptions stay cacheable. */
export const NOW_ROUNDING_MS = 10 * 1000;

/** Longest path we accept; longer is almost certainly junk or an attack. */
export const MAX_PATH_LENGTH = 2048;

/** The kinds of page the tracker reports; stored on each view for the dashboard. */
export const PAGE_TYPES = ["home", "post", "page", "stats", "not-found", "other"] as const;
export type PageType = (typeof PAGE_TYPES)[number];

/** How many pages `getStats` ranks by all-time views (the rest are paginated). */
export const TOP_PAGES_LIMIT = 50;

/** How many distinct current paths the active-visitor breakdown considers at most. */
export const ACTIVE_PATHS_LIMIT = 100;

/** Stale sessions the live query subtracts itself before the cron catches up; beyond this it trusts the cron. */
export const STALE_SESSIONS_READ_LIMIT = 200;

/** Rows a backfill chunk fetches at once; it stops earlier when its transaction budget runs low. */
export const BACKFILL_PAGE_SIZE = 400;

/** Distinct paths one backfill chunk may touch, so recounting them at its end stays inside the limits. */
export const BACKFILL_MAX_PATHS_PER_CHUNK = 32;

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
