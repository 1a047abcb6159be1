import { defineApp } from "convex/server";
import aggregate from "@convex-dev/aggregate/convex.config.js";
import batchWorker from "@convex-dev/batch-worker/convex.config.js";
import rateLimiter from "@convex-dev/rate-limiter/convex.config.js";

const app = defineApp();
// The single writer of every derived structure: folds appended events in the background (model/worker.ts).
app.use(batchWorker);
// Caps on abuse of the public tracking calls: per session, and sharded site-wide caps on new visitors and new paths (model/rateLimits.ts).
app.use(rateLimiter);
// Posts and pages namespaced by `published`: published counts (written by the content sync).
app.use(aggregate, { name: "posts" });
app.use(aggregate, { name: "pages" });
export default app;
