import type { LocalConvex } from "../local-convex/server";
import { scriptTagTracker, type SitePage, type SiteTracker } from "./traffic";

// The demo's second site: the project's docs, a static site with the script tag, counted in the same
// deployment by its own analytics (the `docsStats` component, convex/docsStats.ts) through the routes
// convex/http.ts mounts under /docs. Its pages exist only as paths: the demo serves the blog alone.

/** Where the docs site's routes are (registerRoutes' pathPrefix in convex/http.ts): its script tag posts to /docs/api/event. */
export const DOCS_ROUTE_PREFIX = "/docs";

/** The blog's route showing the docs site's dashboard (`<StatsDashboard api={api.docsStats} />`). */
export const DOCS_DASHBOARD_PATH = "/stats/docs";

/**
 * The docs' pages, as paths on the docs site. The page types only shape the simulated reading (the landing
 * page is glanced at, guides are read): the script tag sends none, so the server gives its views its default.
 */
export const DOCS_PAGES: readonly SitePage[] = [
  { path: "/docs", pageType: "home", weight: 4 },
  { path: "/docs/getting-started", pageType: "post", weight: 5 },
  { path: "/docs/script-tag", pageType: "post", weight: 3 },
  { path: "/docs/react", pageType: "post", weight: 2.5 },
  { path: "/docs/dashboard", pageType: "post", weight: 2 },
  { path: "/docs/settings", pageType: "page", weight: 1.5 },
  { path: "/docs/http-api", pageType: "page", weight: 1.2 },
  { path: "/docs/upgrading", pageType: "page", weight: 0.8 },
  { path: "/docs/faq", pageType: "page", weight: 1 },
];

/**
 * The docs' script tag, as its visitors' browsers run it: `live` POSTs to the site port over HTTP (what a
 * browser reaches at <deployment>.convex.site); otherwise the deployment runs the same HTTP action without a
 * socket (the history replay, thousands of calls in a tight loop). `origin` is the docs pages' origin.
 */
export function docsTracker(server: LocalConvex, origin: string, { live }: { live: boolean }): SiteTracker {
  return scriptTagTracker(
    live ? (path, init) => fetch(`${server.siteUrl}${path}`, init) : (path, init) => server.deployment.httpAction(path, init),
    { prefix: DOCS_ROUTE_PREFIX, origin },
  );
}
