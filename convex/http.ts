import { httpRouter } from "convex/server";
import { registerRoutes } from "../src/client";
import { components, internal } from "./_generated/api";
import { BACKFILL_COMMAND } from "./model/upgrade";

// HTTP actions, served at https://<deployment>.convex.site (README, "Add to any site").
const http = httpRouter();
// The blog: /api/event, /api/health, /api/export and /api/admin/*; the export names pages by the blog's titles.
registerRoutes(http, components.liveStats, { pageTitles: internal.stats.pageTitles, backfillCommand: BACKFILL_COMMAND });
// The docs site: the same routes under /docs.
registerRoutes(http, components.docsStats, { pathPrefix: "/docs" });
export default http;
