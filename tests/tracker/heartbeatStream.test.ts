import { ConvexError } from "convex/values";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { HEARTBEAT_DEBOUNCE_MS, HEARTBEAT_INTERVAL_MS } from "../../src/shared/config";
import { HeartbeatStream, type LeaderMessage } from "../../src/tracker/heartbeatStream";
import type { TabChannel } from "../../src/tracker/tabChannel";

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

/** One browser's tabs: each channel reaches the others, never itself (as BroadcastChannel does). */
function tabChannels() {
  const listeners = new Map<number, (message: LeaderMessage) => void>();
  let next = 0;
  return (): TabChannel<LeaderMessage> => {
    const id = next++;
    return {
      post: (message) => listeners.forEach((listener, other) => other !== id && listener(message)),
      subscribe(listener) {
        listeners.set(id, listener);
        return () => listeners.delete(id);
      },
      close: () => listeners.delete(id),
    };
  };
}

/** A stream whose sends succeed, each recorded with its tab and the clock's time. */
function recordingStream(tabId: string, beats: { tabId: string; path: string; at: number }[], openChannel: () => TabChannel<LeaderMessage> | null = () => null) {
  return new HeartbeatStream(
    tabId,
    async (path) => {
      beats.push({ tabId, path, at: Date.now() });
    },
    openChannel,
  );
}

function setVisibility(state: DocumentVisibilityState) {
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
  document.dispatchEvent(new Event("visibilitychange"));
}

test("every HEARTBEAT_INTERVAL_MS (60 s, was 30 s) while visible, one at once", async () => {
  expect(HEARTBEAT_INTERVAL_MS).toBe(60_000);
  const beats: { tabId: string; path: string; at: number }[] = [];
  const t0 = Date.now();
  stream = recordingStream("tab", beats);
  stream.start("/a");
  await vi.advanceTimersByTimeAsync(3 * HEARTBEAT_INTERVAL_MS - 1);
  expect(beats.map(({ at }) => at - t0)).toEqual([0, HEARTBEAT_INTERVAL_MS, 2 * HEARTBEAT_INTERVAL_MS]);
});

test("the leading tab sends one last beat as it hides (the time read until then), then none until it is visible again", async () => {
  const beats: { tabId: string; path: string; at: number }[] = [];
  const t0 = Date.now();
  stream = recordingStream("tab", beats);
  stream.start("/a");
  await vi.advanceTimersByTimeAsync(HEARTBEAT_INTERVAL_MS + 50_000);
  setVisibility("hidden");
  await vi.advanceTimersByTimeAsync(5 * HEARTBEAT_INTERVAL_MS);
  expect(beats.map(({ at }) => at - t0)).toEqual([0, HEARTBEAT_INTERVAL_MS, HEARTBEAT_INTERVAL_MS + 50_000]);
  setVisibility("visible");
  await vi.advanceTimersByTimeAsync(0);
  expect(beats).toHaveLength(4);
});

test("the beat as the tab hides is debounced: none within HEARTBEAT_DEBOUNCE_MS of the last on its path, and hiding twice is one beat", async () => {
  const beats: { tabId: string; path: string; at: number }[] = [];
  stream = recordingStream("tab", beats);
  stream.start("/a");
  await vi.advanceTimersByTimeAsync(HEARTBEAT_DEBOUNCE_MS - 1);
  setVisibility("hidden");
  await vi.advanceTimersByTimeAsync(0);
  expect(beats).toHaveLength(1);
  setVisibility("visible");
  await vi.advanceTimersByTimeAsync(30_000);
  setVisibility("hidden");
  // A pagehide right after the hide (a tab being closed) sends nothing more.
  window.dispatchEvent(new PageTransitionEvent("pagehide"));
  setVisibility("hidden");
  await vi.advanceTimersByTimeAsync(0);
  expect(beats).toHaveLength(2);
});

test("a tab that does not lead sends nothing as it hides; the leader does", async () => {
  const beats: { tabId: string; path: string; at: number }[] = [];
  const channels = tabChannels();
  const first = recordingStream("first", beats, channels);
  first.start("/first");
  await vi.advanceTimersByTimeAsync(1000);
  stream = recordingStream("second", beats, channels);
  stream.start("/second");
  await vi.advanceTimersByTimeAsync(20_000);
  // Both tabs see the document hide here (one document); only the leader, the second, beats.
  setVisibility("hidden");
  await vi.advanceTimersByTimeAsync(0);
  expect(beats.map(({ tabId }) => tabId)).toEqual(["first", "second", "second"]);
  first.stop();
});
