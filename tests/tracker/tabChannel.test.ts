import { afterEach, expect, test, vi } from "vitest";
import { openTabChannel } from "../../src/tracker/tabChannel";
import { blockLocalStorage } from "../support/blockStorage";

afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
});

test("without BroadcastChannel, tabs talk through storage events", () => {
  vi.stubGlobal("BroadcastChannel", undefined);
  const channel = openTabChannel<{ hello: string }>("test-channel")!;
  const received: { hello: string }[] = [];
  const unsubscribe = channel.subscribe((message) => received.push(message));

  channel.post({ hello: "from this tab" });
  const written = localStorage.getItem("test-channel")!;
  expect(JSON.parse(written).message).toEqual({ hello: "from this tab" });
  // The browser fires `storage` only in the other tabs; here one arrives as if from another tab.
  window.dispatchEvent(new StorageEvent("storage", { key: "test-channel", newValue: written }));
  window.dispatchEvent(new StorageEvent("storage", { key: "unrelated", newValue: "{}" }));
  expect(received).toEqual([{ hello: "from this tab" }]);

  unsubscribe();
  window.dispatchEvent(new StorageEvent("storage", { key: "test-channel", newValue: written }));
  expect(received).toHaveLength(1);
});

test("with neither BroadcastChannel nor storage there is no channel, and each tab leads itself", () => {
  vi.stubGlobal("BroadcastChannel", undefined);
  const unblock = blockLocalStorage();
  try {
    expect(openTabChannel("test-channel")).toBeNull();
  } finally {
    unblock();
  }
});
