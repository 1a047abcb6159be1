import { cronJobs } from "convex/server";
import { api } from "./_generated/api";
import { CLEANUP_INTERVAL_SECONDS } from "../shared/config";

const crons = cronJobs();

// Often enough that "active now" is never more than CLEANUP_INTERVAL_SECONDS past the timeout.
crons.interval("clean up stale sessions", { seconds: CLEANUP_INTERVAL_SECONDS }, api.operate.cleanupStaleSessions, {});

export default crons;
