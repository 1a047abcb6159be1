/**
 * The Stats API v2 requests our tests send (tests/convex/statsQuery.test.ts, statsApi.test.ts), in one place so each
 * is checked against Plausible's JSON Schema (tests/support/plausibleQuerySchema.ts). `site_id` is the blog's domain.
 */

export const SITE_ID = "blog.example.com";

/**
 * Plausible's documented example queries (plausible/docs, src/js/apiv2-examples/*-query.json), as written but for
 * `site_id` ("dummy.site" there). `answered`: whether we answer it; else the words our 400 names it with.
 */
export const DOCUMENTED = {
  aggregate: { answered: true, query: { site_id: SITE_ID, metrics: ["visitors", "events"], date_range: "7d" } },
  firstRequest: { answered: true, query: { site_id: SITE_ID, metrics: ["visitors", "events"], date_range: ["2024-06-01", "2024-07-01"] } },
  customDateRange: { answered: true, query: { site_id: SITE_ID, metrics: ["visitors"], date_range: ["2024-08-01", "2024-08-15"] } },
  timeLabels: { answered: true, query: { site_id: SITE_ID, metrics: ["visitors"], date_range: "day", dimensions: ["time:hour"], include: { time_labels: true } } },
  caseInsensitive: { answered: true, query: { site_id: SITE_ID, metrics: ["visitors"], date_range: "7d", filters: [["contains", "event:page", ["blog"], { case_sensitive: false }]] } },
  timeseries: { answered: "2 values", query: { site_id: SITE_ID, metrics: ["visitors", "events"], date_range: "7d", filters: [["is", "visit:os", ["GNU/Linux", "Mac"]]], dimensions: ["time:day"] } },
  filteringBasics: { answered: "2 values", query: { site_id: SITE_ID, metrics: ["visitors"], date_range: "7d", filters: [["contains", "event:page", ["/docs", "/pricing"]], ["is", "visit:country_name", ["Estonia", "United States of America"]]] } },
  utm: { answered: "Several dimensions", query: { site_id: SITE_ID, metrics: ["visitors", "events", "pageviews"], date_range: "7d", dimensions: ["visit:utm_medium", "visit:utm_source"] } },
  pagination: {
    answered: "Several dimensions",
    query: { site_id: SITE_ID, metrics: ["visitors", "events", "pageviews"], date_range: "7d", dimensions: ["visit:utm_medium", "visit:utm_source"], include: { total_rows: true }, pagination: { limit: 3, offset: 1 } },
  },
  customProperties: {
    answered: "Several dimensions",
    query: { site_id: SITE_ID, metrics: ["visitors"], date_range: "7d", dimensions: ["time:day", "event:props:is_customer"], order_by: [["time:day", "asc"], ["event:props:is_customer", "desc"]] },
  },
  countryAndCity: { answered: '"visit:country_name" is not supported', query: { site_id: SITE_ID, metrics: ["visitors", "pageviews", "bounce_rate"], date_range: "7d", filters: [["is_not", "visit:country_name", [""]]], dimensions: ["visit:country_name", "visit:city_name"] } },
} as const;

/** Queries in the docs' style for each thing the issue names: the figures, a source breakdown, days, a goal, props, is and contains. */
export const ACCEPTED = {
  figures: { site_id: SITE_ID, metrics: ["visitors", "visits", "pageviews", "views_per_visit", "bounce_rate", "visit_duration"], date_range: "7d" },
  sources: { site_id: SITE_ID, metrics: ["visitors", "visits", "pageviews", "bounce_rate", "visit_duration"], date_range: "7d", dimensions: ["visit:source"] },
  days: { site_id: SITE_ID, metrics: ["visitors", "pageviews", "visits", "bounce_rate"], date_range: "7d", dimensions: ["time:day"] },
  daysLabelled: { site_id: SITE_ID, metrics: ["visitors"], date_range: "7d", dimensions: ["time:day"], include: { time_labels: true } },
  goal: { site_id: SITE_ID, metrics: ["visitors", "events", "conversion_rate"], date_range: "7d", filters: [["is", "event:goal", ["Signup"]]] },
  goals: { site_id: SITE_ID, metrics: ["visitors", "events", "conversion_rate"], date_range: "7d", dimensions: ["event:goal"] },
  props: { site_id: SITE_ID, metrics: ["visitors", "events"], date_range: "7d", dimensions: ["event:props:plan"], filters: [["is", "event:goal", ["Signup"]]] },
  isAndContains: {
    site_id: SITE_ID,
    metrics: ["visitors", "pageviews"],
    date_range: "7d",
    dimensions: ["event:page"],
    filters: [["and", [["is", "visit:source", ["Google"]], ["contains", "event:page", ["post"], { case_sensitive: false }]]]],
  },
  isNot: { site_id: SITE_ID, metrics: ["visitors", "visits"], date_range: "7d", filters: [["is_not", "event:page", ["/"]]] },
  paged: { site_id: SITE_ID, metrics: ["visitors", "pageviews"], date_range: "7d", dimensions: ["event:page"], order_by: [["pageviews", "asc"]], include: { total_rows: true }, pagination: { limit: 2, offset: 1 } },
  dates: { site_id: SITE_ID, metrics: ["visitors"], date_range: ["2023-12-26", "2024-01-01"] },
  dateTimes: { site_id: SITE_ID, metrics: ["pageviews"], date_range: ["2023-12-31T00:00:00+00:00", "2024-01-01T09:59:59+00:00"] },
  hours: { site_id: SITE_ID, metrics: ["visitors"], date_range: "day", dimensions: ["time"] },
  scrollByPage: { site_id: SITE_ID, metrics: ["visitors", "scroll_depth"], date_range: "7d", dimensions: ["event:page"] },
  scrollOfPage: { site_id: SITE_ID, metrics: ["pageviews", "scroll_depth"], date_range: "7d", filters: [["is", "event:page", ["/pricing"]]] },
  scrollByDay: { site_id: SITE_ID, metrics: ["scroll_depth"], date_range: "7d", dimensions: ["time:day"], filters: [["is", "event:page", ["/pricing"]]] },
} as const;

/**
 * Requests we refuse, each with the words our 400 names it with; `plausible`: whether Plausible's schema takes it
 * (a difference of ours: prds/compat.md's table) or not (refused as Plausible refuses it).
 */
export const REFUSED: { query: unknown; error: string; plausible: boolean }[] = [
  { query: { site_id: SITE_ID, metrics: ["visitors"], date_range: "7d", filters: [["or", [["is", "visit:source", ["Google"]], ["is", "visit:source", ["Bing"]]]]] }, error: 'combined with "or"', plausible: true },
  { query: { site_id: SITE_ID, metrics: ["visitors"], date_range: "7d", filters: [["not", ["is", "visit:source", ["Google"]]]] }, error: 'combined with "not"', plausible: true },
  { query: { site_id: SITE_ID, metrics: ["visitors"], date_range: "7d", filters: [["matches", "event:page", ["^/blog"]]] }, error: '"matches" is not supported', plausible: true },
  { query: { site_id: SITE_ID, metrics: ["visitors"], date_range: "7d", filters: [["contains_not", "event:page", ["blog"]]] }, error: '"contains_not" is not supported', plausible: true },
  { query: { site_id: SITE_ID, metrics: ["visitors"], date_range: "7d", filters: [["contains", "event:page", ["Blog"]]] }, error: "case-sensitive", plausible: true },
  { query: { site_id: SITE_ID, metrics: ["visitors"], date_range: "7d", filters: [["is", "visit:source", ["google"], { case_sensitive: false }]] }, error: "case-insensitive", plausible: true },
  { query: { site_id: SITE_ID, metrics: ["percentage"], date_range: "7d", dimensions: ["visit:source"] }, error: "`percentage` is not supported", plausible: true },
  { query: { site_id: SITE_ID, metrics: ["scroll_depth"], date_range: "7d" }, error: "can only be queried with event:page filters or dimensions", plausible: true },
  { query: { site_id: SITE_ID, metrics: ["scroll_depth"], date_range: "7d", dimensions: ["visit:source"] }, error: "can only be queried with event:page filters or dimensions", plausible: true },
  { query: { site_id: SITE_ID, metrics: ["scroll_depth"], date_range: "7d", dimensions: ["event:page"], filters: [["is", "visit:source", ["Google"]]] }, error: "Metric `scroll_depth` is answered here by `event:page` without filters", plausible: true },
  { query: { site_id: SITE_ID, metrics: ["scroll_depth"], date_range: "7d", dimensions: ["visit:source"], filters: [["is", "event:page", ["/pricing"]]] }, error: "Metric `scroll_depth` is answered here", plausible: true },
  { query: { site_id: SITE_ID, metrics: ["scroll_depth"], date_range: "7d", filters: [["contains", "event:page", ["/pr"], { case_sensitive: false }]] }, error: "Metric `scroll_depth` is answered here", plausible: true },
  { query: { site_id: SITE_ID, metrics: ["visitors"], date_range: "7d", dimensions: ["event:hostname"] }, error: '"event:hostname" is not supported', plausible: true },
  { query: { site_id: SITE_ID, metrics: ["visitors"], date_range: "7d", dimensions: ["visit:city"] }, error: '"visit:city" is not supported', plausible: true },
  { query: { site_id: SITE_ID, metrics: ["visitors"], date_range: "7d", dimensions: ["visit:utm_term"] }, error: '"visit:utm_term" is not supported', plausible: true },
  { query: { site_id: SITE_ID, metrics: ["visits"], date_range: "7d", dimensions: ["event:page"] }, error: "by `event:page` are not supported", plausible: true },
  { query: { site_id: SITE_ID, metrics: ["events"], date_range: "7d", dimensions: ["visit:source"] }, error: "Metric `events` is answered here", plausible: true },
  { query: { site_id: SITE_ID, metrics: ["visitors"], date_range: ["2024-01-01T00:00:00+03:00", "2024-01-02T12:00:00+03:00"] }, error: "minute's last second", plausible: true },
  { query: { site_id: SITE_ID, metrics: ["visitors"], date_range: ["2024-01-01T00:00:30Z", "2024-01-02T12:00:59Z"] }, error: "whole minute", plausible: true },
  { query: { site_id: SITE_ID, metrics: ["visitors"], date_range: "7d", dimensions: ["event:page"], filters: [["is", "event:goal", ["Signup"]]] }, error: "our page filters test the visit's views", plausible: true },
  { query: { site_id: SITE_ID, metrics: ["conversion_rate"], date_range: "7d" }, error: "can only be queried with event:goal filters or dimensions", plausible: true },
  { query: { site_id: SITE_ID, metrics: ["conversion_rate"], date_range: "7d", dimensions: ["visit:source"], filters: [["is", "event:goal", ["Signup"]]] }, error: "by `visit:source` is not supported", plausible: true },
  { query: { site_id: SITE_ID, metrics: ["views_per_visit"], date_range: "7d", dimensions: ["time:day"] }, error: "cannot be queried with `dimensions`", plausible: true },
  { query: { site_id: SITE_ID, metrics: ["bounce_rate"], date_range: "7d", dimensions: ["event:goal"] }, error: "cannot be queried along with event dimensions", plausible: true },
  { query: { site_id: SITE_ID, metrics: ["visitors"], date_range: "7d", dimensions: ["visit:source"], order_by: [["visits", "desc"]] }, error: "Entry is not a queried metric or dimension", plausible: true },
  { query: { site_id: SITE_ID, metrics: ["visitors"], date_range: "7d", include: { time_labels: true } }, error: "requires a time dimension", plausible: true },
  { query: { site_id: SITE_ID, metrics: ["baa"], date_range: "7d" }, error: 'Invalid metric "baa"', plausible: false },
  { query: { site_id: SITE_ID, metrics: ["visitors"], date_range: "1w" }, error: 'Invalid date_range "1w"', plausible: false },
  { query: { site_id: SITE_ID, metrics: ["visitors"], date_range: ["2024-02-30", "2024-03-01"] }, error: "Invalid date_range", plausible: true },
  { query: { site_id: SITE_ID, metrics: ["visitors"], date_range: "7d", dimensions: ["visit:nonsense"] }, error: '"visit:nonsense" is not supported', plausible: false },
  { query: { site_id: SITE_ID, metrics: ["visitors"], date_range: "7d", filters: [["is", "event:goal", ["Signup"], { case_sensitive: true }], ["contains", "event:goal", ["Sign"]]] }, error: 'A goal filter takes "is"', plausible: true },
  { query: { site_id: SITE_ID, metrics: ["visitors"], date_range: "7d", pagination: { limit: 0 } }, error: "#/pagination/limit", plausible: false },
  { query: { site_id: SITE_ID, metrics: ["visitors"], date_range: "7d", extra: true }, error: 'Unknown property "extra"', plausible: false },
  { query: { metrics: ["visitors"], date_range: "7d" }, error: "Missing site ID", plausible: false },
];
