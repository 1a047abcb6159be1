// The dashboard's stylesheet comes with this lazily loaded route, so the blog's readers never download it.
import "../../src/react/styles.css";
import { useQuery } from "convex/react";
import { NavLink } from "react-router-dom";
import { api } from "../../convex/_generated/api";
import { httpActionsUrl, StatCard, StatsDashboard } from "../../src/react";
import { useDeclarePageType } from "../hooks/useDeclarePageType";
import { useDocumentTitle } from "../hooks/useDocumentTitle";
import { useReactRouterStats } from "../statsRouter";

/** /stats: the blog's dashboard (convex/stats.ts), with its published posts and pages among the all-time figures. */
export function BlogStatsPage() {
  useDeclarePageType("stats");
  useDocumentTitle("Stats");
  return (
    <>
      <SiteSwitch />
      <StatsDashboard api={api.stats} router={useReactRouterStats()} siteUrl={siteUrl()} allTimeCards={<PublishedCards />} />
    </>
  );
}

/** /stats/docs: the docs site's dashboard (convex/docsStats.ts), whose HTTP routes are under /docs. */
export function DocsStatsPage() {
  useDeclarePageType("stats");
  useDocumentTitle("Docs stats");
  const base = siteUrl();
  return (
    <>
      <SiteSwitch />
      <StatsDashboard api={api.docsStats} router={useReactRouterStats()} siteUrl={base && `${base}/docs`} title="Docs statistics" />
    </>
  );
}

/** The deployment's two sites, each a component instance with its own dashboard. */
function SiteSwitch() {
  return (
    <nav aria-label="Sites" className="stats-sites">
      <ul className="nav-list">
        <li>
          <NavLink to="/stats" end>
            Blog
          </NavLink>
        </li>
        <li>
          <NavLink to="/stats/docs">Docs</NavLink>
        </li>
      </ul>
    </nav>
  );
}

/** The deployment's HTTP actions, where convex/http.ts mounts each site's routes (Download CSV's export): from the build's env. */
function siteUrl(): string | null {
  return httpActionsUrl(import.meta.env);
}

const count = (value: number | undefined) => (value === undefined ? undefined : value.toLocaleString("en-US"));

/** The blog's own cards: how much it has published (its content tables, not the stats). */
function PublishedCards() {
  const counts = useQuery(api.content.publishedCounts, {});
  return (
    <>
      <StatCard testId="stat-published-posts" label="Published posts" value={count(counts?.publishedPosts)} />
      <StatCard testId="stat-published-pages" label="Published pages" value={count(counts?.publishedPages)} />
    </>
  );
}
