import { createContext, useContext, useMemo, useSyncExternalStore, type ComponentType, type ReactNode } from "react";

/** What a link to a page of the site gets: `href` is a path of the site, such as "/about" (as recorded: already percent-encoded). */
export type StatsLinkProps = {
  href: string;
  className?: string;
  title?: string;
  "aria-label"?: string;
  children?: ReactNode;
};

/**
 * How the dashboard reads and writes its URL state (range, comparison, filters, share token: the query string) and links to
 * the site's pages, so it works with any router or none. `<StatsDashboard>` uses the History API by default
 * (`useHistoryRouter`); an app with a router of its own passes an adapter, e.g. for React Router:
 * `{ search: useLocation().search, navigate: (search, o) => navigate({ search }, o), Link: ({ href, ...p }) => <Link to={href} {...p} /> }`.
 */
export interface StatsRouter {
  /** The current query string: "" or "?period=7d&filter=…". */
  search: string;
  /** Goes to the same page with another query string ("" or "?…"): a new history entry, or in place with `replace`. */
  navigate(search: string, options?: { replace?: boolean }): void;
  /** Renders a link to a page of the site; default a plain `<a href>` (the browser loads the page). */
  Link?: ComponentType<StatsLinkProps>;
}

// The History API router's listeners: popstate (Back, Forward) and its own navigations.
const listeners = new Set<() => void>();
const notify = () => {
  for (const listener of [...listeners]) listener();
};
function subscribe(listener: () => void): () => void {
  if (listeners.size === 0) addEventListener("popstate", notify);
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) removeEventListener("popstate", notify);
  };
}
const currentSearch = () => location.search;

function historyNavigate(search: string, options?: { replace?: boolean }): void {
  const query = search.replace(/^\?/, "");
  const url = `${location.pathname}${query ? `?${query}` : ""}${location.hash}`;
  if (options?.replace) history.replaceState(history.state, "", url);
  else history.pushState(null, "", url);
  notify();
}

/**
 * The default router: the query string of `window.location`, changed with `history.pushState` or
 * `replaceState` (no reload), followed on Back and Forward (`popstate`); links are plain `<a href>`.
 */
export function useHistoryRouter(): StatsRouter {
  const search = useSyncExternalStore(subscribe, currentSearch, () => "");
  return useMemo(() => ({ search, navigate: historyNavigate }), [search]);
}

function PlainLink({ href, children, ...props }: StatsLinkProps) {
  return (
    <a href={href} {...props}>
      {children}
    </a>
  );
}

const RouterContext = createContext<StatsRouter | null>(null);

/** Hands the dashboard's router to its parts; without `router`, the History API's (useHistoryRouter). */
export function StatsRouterProvider({ router, children }: { router?: StatsRouter; children: ReactNode }) {
  return router === undefined ? <HistoryRouterProvider>{children}</HistoryRouterProvider> : <RouterContext.Provider value={router}>{children}</RouterContext.Provider>;
}

function HistoryRouterProvider({ children }: { children: ReactNode }) {
  return <RouterContext.Provider value={useHistoryRouter()}>{children}</RouterContext.Provider>;
}

/** The dashboard's router (see StatsRouter). */
export function useStatsRouter(): StatsRouter {
  const router = useContext(RouterContext);
  if (router === null) throw new Error("useStatsRouter: render the dashboard's parts inside <StatsDashboard> (or a StatsRouterProvider)");
  return router;
}

/** The URL's query parameters, as the router has them now. */
export function useSearchParams(): URLSearchParams {
  const { search } = useStatsRouter();
  return useMemo(() => new URLSearchParams(search), [search]);
}

/** A link to a page of the site through the router's Link (a plain `<a href>` by default). */
export function SiteLink(props: StatsLinkProps) {
  const Link = useStatsRouter().Link ?? PlainLink;
  return <Link {...props} />;
}

/** Navigates to `params` as the query string ("" when empty). */
export function searchOf(params: URLSearchParams): string {
  const query = params.toString();
  return query ? `?${query}` : "";
}
