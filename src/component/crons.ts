import { cronJobs } from "convex/server";
import { internal } from "../../convex/_generated/api";
import { CLEANUP_INTERVAL_SECONDS } from "../shared/config";

const crons = cronJobs();

// Often enough that "active now" is never more than CLEANUP_INTERVAL_SECONDS past the timeout.
crons.interval("clean up stale sessions", { seconds: CLEANUP_INTERVAL_SECONDS }, internal.stats.cleanupStaleSessions, {});

export default crons;
