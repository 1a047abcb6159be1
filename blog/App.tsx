import { lazy, Suspense, useState } from "react";
import { Route, Routes, useLocation } from "react-router-dom";
import { api } from "../convex/_generated/api";
// The tracker alone: the dashboard (convex-live-stats/react) comes only with the lazily loaded /stats routes.
import { usePageTracking, useTrackEvent } from "../src/react/tracker";
import { DeclarePageTypeContext, type DeclaredPageType } from "./hooks/useDeclarePageType";
import { Layout } from "./components/Layout";
import { PageLoading } from "./components/PageLoading";
import { HomePage } from "./pages/HomePage";
import { ContentPage } from "./pages/ContentPage";
import { NotFoundPage } from "./pages/NotFoundPage";

// The dashboards are for the site owner: visitors never download them unless they open /stats.
const BlogStatsPage = lazy(() => import("./pages/StatsPage").then(({ BlogStatsPage }) => ({ default: BlogStatsPage })));
const DocsStatsPage = lazy(() => import("./pages/StatsPage").then(({ DocsStatsPage }) => ({ default: DocsStatsPage })));

export function App() {
  const { pathname } = useLocation();
  const [declared, setDeclared] = useState<DeclaredPageType | null>(null);
  // The router's path, and the page's type once the route knows it (the tracker waits for it).
  usePageTracking(api.stats, { path: pathname, pageType: declared?.path === pathname ? declared.pageType : null });
  // Clicks on links to other sites and on files, as custom events (the Conversions panel on /stats).
  useTrackEvent(api.stats, { outboundLinks: true, fileDownloads: true });

  return (
    <DeclarePageTypeContext.Provider value={setDeclared}>
      <Layout>
        <Routes>
          <Route path="/" element={<HomePage />} />
          <Route
            path="/stats"
            element={
              <Suspense fallback={<PageLoading label="Loading statistics" />}>
                <BlogStatsPage />
              </Suspense>
            }
          />
          <Route
            path="/stats/docs"
            element={
              <Suspense fallback={<PageLoading label="Loading statistics" />}>
                <DocsStatsPage />
              </Suspense>
            }
          />
          <Route path="/:slug" element={<ContentPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </Layout>
    </DeclarePageTypeContext.Provider>
  );
}
