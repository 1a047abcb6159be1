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
  userAgent?: string;
};

/**
 * The `visit` argument of recordPageView. Where the visitor came from (an
 * external referrer, the landing URL's UTM parameters) only on the first view
 * of a page load: later views in the app are moves within the site.
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
  put("userAgent", navigator.userAgent);
  return visit;
}
