/** The browser's context sent with each view (prds/visits.md, "What the tracker sends"); every field is left out when empty. */
export type VisitContext = {
  referrer?: string;
  utmSource?: string;
  utmMedium?: string;
  utmCampaign?: string;
  utmTerm?: string;
  utmContent?: string;
  screenWidth?: number;
  language?: string;
  timeZone?: string;
  /** Sent by the React tracker only: a mutation cannot read request headers, POST /api/event can. */
  userAgent?: string;
};

/**
 * The `visit` argument of recordPageView. Where the visitor came from (an
 * external referrer, the landing URL's UTM parameters) only on the first view
 * of a page load: later views in the app are moves within the site.
 * Everything but the user agent, which each tracker handles its own way.
 */
export function visitContext(firstOfLoad: boolean): VisitContext {
  const visit: VisitContext = {};
  const put = <K extends keyof VisitContext>(key: K, value: VisitContext[K] | null) => {
    if (value) visit[key] = value;
  };
  if (firstOfLoad) {
    try {
      const from = new URL(document.referrer);
      // Origin and path only: a query or fragment can carry someone's search or token. Web pages only (not android-app:).
      if (/^https?:$/.test(from.protocol) && from.host !== location.host) put("referrer", from.origin + from.pathname);
    } catch {
      // No referrer ("" is not a URL).
    }
    const query = new URLSearchParams(location.search);
    put("utmSource", query.get("utm_source") || query.get("ref") || query.get("source"));
    put("utmMedium", query.get("utm_medium"));
    put("utmCampaign", query.get("utm_campaign"));
    put("utmTerm", query.get("utm_term"));
    put("utmContent", query.get("utm_content"));
  }
  put("screenWidth", innerWidth);
  put("language", navigator.language);
  put("timeZone", Intl.DateTimeFormat().resolvedOptions().timeZone);
  return visit;
}

/** A field the server names in a refusal is one of the view's visit fields (`visit.utmCampaign`): the view may go again without them. */
export function isVisitField(field: unknown): boolean {
  return String(field).startsWith("visit");
}
