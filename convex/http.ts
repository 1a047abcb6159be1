import { httpRouter } from "convex/server";
import { registerRoutes } from "../src/client";
import { components, internal } from "./_generated/api";
import { BACKFILL_COMMAND } from "./model/upgrade";

// HTTP actions, served at https://<deployment>.convex.site (README, "Add to any site").
const http = httpRouter();
// The blog: /api/event, /api/health, /api/export and /api/admin/*; the export names pages by the blog's titles.
// `domains`: what a Plausible tracker on the blog names as its domain (prds/compat.md).
registerRoutes(http, components.liveStats, { pageTitles: internal.stats.pageTitles, backfillCommand: BACKFILL_COMMAND, domains: ["blog.example.com"] });
// The docs site: the same routes under /docs.
registerRoutes(http, components.docsStats, { pathPrefix: "/docs", domains: ["docs.example.com"] });
export default http;
