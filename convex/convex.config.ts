import { defineApp } from "convex/server";
import aggregate from "@convex-dev/aggregate/convex.config.js";

const app = defineApp();
// Page views keyed by [path, timestamp]: total views, exact per-path counts, and the backfill's "already counted" set.
app.use(aggregate, { name: "pageViewsByPath" });
// One item per visitor (keyed by random session id): unique visitors.
app.use(aggregate, { name: "uniqueVisitors" });
// One item per path ever viewed: the number of distinct pages.
app.use(aggregate, { name: "distinctPaths" });
// One item per live session keyed by [currentPath, sessionId]: active now, overall and per page.
app.use(aggregate, { name: "activeSessions" });
// Posts and pages namespaced by `published`: published counts.
app.use(aggregate, { name: "posts" });
app.use(aggregate, { name: "pages" });
export default app;
