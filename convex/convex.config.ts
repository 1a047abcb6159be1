import { defineApp } from "convex/server";
import aggregate from "@convex-dev/aggregate/convex.config.js";
import batchWorker from "@convex-dev/batch-worker/convex.config.js";

const app = defineApp();
// The single writer of every derived structure: folds appended events in the background (model/worker.ts).
app.use(batchWorker);
// Page views keyed by [path, timestamp]: total views, exact per-path counts, and the "already counted" set.
app.use(aggregate, { name: "pageViewsByPath" });
// One item per session id that viewed a page (key and id are the session id): unique visitors.
app.use(aggregate, { name: "visitorSessions" });
// One item per path ever viewed (key and id are the path): the number of distinct pages.
app.use(aggregate, { name: "viewedPaths" });
// One item per live session keyed by [path, sessionId] (id: the session id): active now, overall and per page.
app.use(aggregate, { name: "liveSessionsByPage" });
// Posts and pages namespaced by `published`: published counts.
app.use(aggregate, { name: "posts" });
app.use(aggregate, { name: "pages" });
export default app;
