import { cronJobs } from "convex/server";
import { api } from "./_generated/api.js";
import { CLEANUP_INTERVAL_SECONDS } from "../shared/config.js";

const crons = cronJobs();

// Removes idle sessions' rows, and wakes the idle worker for timed-out sessions and ended visits: the backstop while no
// dashboard watches (a watched worker wakes itself when a live session times out).
crons.interval("clean up stale sessions", { seconds: CLEANUP_INTERVAL_SECONDS }, api.operate.cleanupStaleSessions, {});

export default crons;
