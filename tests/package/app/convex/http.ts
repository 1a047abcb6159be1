import { httpRouter } from "convex/server";
import { registerRoutes } from "convex-live-stats";
import { components } from "./_generated/api";

const http = httpRouter();
registerRoutes(http, components.liveStats); // /api/event, /api/health, /api/export, /api/admin/*
registerRoutes(http, components.docsStats, { pathPrefix: "/docs" }); // /docs/api/event, …
export default http;
