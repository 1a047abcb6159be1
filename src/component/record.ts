import { v } from "convex/values";
import { mutation, query } from "./_generated/server.js";
import * as Record from "./record/record.js";
import * as DailyVisitors from "./record/dailyVisitors.js";
import * as Events from "./record/events.js";
import * as CustomEvents from "./record/customEvents.js";
import { getUmamiWebsiteId, UNKNOWN_UMAMI_WEBSITE } from "./operate/umamiWebsite.js";

// What a visitor's call does (record/): append its own session's rows, then wake the worker. Nothing here
// writes a document another visitor reads (prds/howtoavoidwriteconflicts.md).

/** A view, with the browser's context (`visit`, prds/visits.md) for the visit it may start; a bot's records nothing. Throws INVALID_ARGUMENT or RATE_LIMITED. */
export const recordPageView = mutation({
  args: Record.vPageViewRequest,
  returns: v.object({ recorded: v.boolean(), newVisitor: v.boolean() }),
  handler: async (ctx, args) => await Record.recordPageViewRequest(ctx, args, Date.now()),
});

/** The visitor is still on `currentPath`. Throws INVALID_ARGUMENT or RATE_LIMITED. */
export const heartbeat = mutation({
  args: { sessionId: v.string(), currentPath: v.string() },
  returns: v.null(),
  handler: async (ctx, { sessionId, currentPath }) => {
    await Record.heartbeatRequest(ctx, sessionId, currentPath, Date.now());
    return null;
  },
});

/** A custom event (`track("Signup", { props, revenue })`, prds/events.md); a bot's records nothing. Throws INVALID_ARGUMENT or RATE_LIMITED. */
export const trackEvent = mutation({
  args: CustomEvents.vTrackEventRequest,
  returns: v.object({ recorded: v.boolean() }),
  handler: async (ctx, args) => await CustomEvents.trackEvent(ctx, args, Date.now()),
});

/** A view or heartbeat sent to POST /api/event, with the request's user agent and origin: the same checks and code path as the two above. */
export const recordEvent = mutation({
  args: { event: Events.vEvent, userAgent: v.optional(v.string()), origin: v.optional(v.string()) },
  returns: Events.vEventOutcome,
  handler: async (ctx, { event, ...request }) => await Events.recordEvent(ctx, event, request, Date.now()),
});

/**
 * A view, heartbeat or custom event from a tracker that sends no visitor id (Plausible's: prds/compat.md), for the
 * site `site` (the domain it names): its session is the request's daily visitor (record/dailyVisitors.ts), then the
 * same checks and code path as recordEvent's.
 */
export const recordForeignEvent = mutation({
  args: {
    event: Events.vForeignEvent,
    site: v.string(),
    // `site` is an Umami website id, recorded only if it is this site's (operate/umamiWebsite.ts): the check and the write in one call.
    umamiWebsite: v.optional(v.boolean()),
    salt: DailyVisitors.vCandidateSalt,
    userAgent: v.optional(v.string()),
    origin: v.optional(v.string()),
  },
  returns: Events.vForeignEventOutcome,
  handler: async (ctx, { event, site, umamiWebsite, salt, ...request }) => {
    if (umamiWebsite === true && (await getUmamiWebsiteId(ctx)) !== site) return { accepted: false as const, unknownSite: true as const, message: UNKNOWN_UMAMI_WEBSITE };
    const now = Date.now();
    const sessionId = await DailyVisitors.dailySessionId(ctx, site, request.userAgent, salt, now);
    const outcome = await Events.recordEvent(ctx, { ...event, sessionId } as Events.TrackingEvent, request, now);
    return outcome.accepted ? { ...outcome, sessionId } : outcome;
  },
});

/** The origins allowed to send events (STATS_ALLOWED_ORIGINS; ["*"] when unset), for CORS preflights. */
export const allowedOrigins = query({
  args: {},
  returns: v.array(v.string()),
  handler: async () => Events.allowedOrigins(),
});
