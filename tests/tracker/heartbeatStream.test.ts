import { ConvexError } from "convex/values";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { HEARTBEAT_INTERVAL_MS } from "../../src/shared/config";
import { HeartbeatStream } from "../../src/tracker/heartbeatStream";

let sent: string[];
let stream: HeartbeatStream;

/** A stream (no other tabs) whose sends fail with `failure` first, then succeed. */
function startStream(failure: unknown) {
  let failed = false;
  stream = new HeartbeatStream(
    "tab",
    async (path) => {
      sent.push(path);
      if (failed) return;
      failed = true;
      throw failure;
    },
    () => null,
  );
  stream.start("/a");
}

const rateLimited = (retryAfter: number) => new ConvexError({ code: "RATE_LIMITED", limit: "sessionHeartbeats", retryAfter, message: "Rate limited" });

beforeEach(() => {
  vi.useFakeTimers();
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "visible" });
  sent = [];
});

afterEach(async () => {
  stream.stop();
  await vi.runAllTicks();
  vi.useRealTimers();
});

test("rate limited for longer than the interval: the next beat waits for retryAfter, then the schedule resumes", async () => {
  startStream(rateLimited(2.5 * HEARTBEAT_INTERVAL_MS));
  await vi.advanceTimersByTimeAsync(0);
  expect(sent).toEqual(["/a"]);
  await vi.advanceTimersByTimeAsync(2.5 * HEARTBEAT_INTERVAL_MS - 1);
  expect(sent).toEqual(["/a"]);
  await vi.advanceTimersByTimeAsync(1);
  expect(sent).toEqual(["/a", "/a"]);
  await vi.advanceTimersByTimeAsync(HEARTBEAT_INTERVAL_MS);
  expect(sent).toEqual(["/a", "/a", "/a"]);
});

test("rate limited for less than the interval, or any other failure: the next beat comes on schedule", async () => {
  for (const failure of [rateLimited(HEARTBEAT_INTERVAL_MS / 3), new Error("offline")]) {
    sent = [];
    startStream(failure);
    await vi.advanceTimersByTimeAsync(HEARTBEAT_INTERVAL_MS);
    expect(sent).toEqual(["/a", "/a"]);
    stream.stop();
    await vi.runAllTicks();
  }
});
