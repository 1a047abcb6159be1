import { cronJobs } from "convex/server";
import { api } from "./_generated/api.js";
import { CLEANUP_INTERVAL_SECONDS } from "../shared/config.js";

const crons = cronJobs();

// Often enough that "active now" is never more than CLEANUP_INTERVAL_SECONDS past the timeout.
crons.interval("clean up stale sessions", { seconds: CLEANUP_INTERVAL_SECONDS }, api.operate.cleanupStaleSessions, {});

export default crons;
