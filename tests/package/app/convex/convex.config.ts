import { defineApp } from "convex/server";
import liveStats from "convex-live-stats/convex.config";

const app = defineApp();
app.use(liveStats); // one site
app.use(liveStats, { name: "docsStats" }); // a second site, fully separate
export default app;
