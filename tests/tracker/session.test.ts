import { afterEach, expect, test, vi } from "vitest";
import { loadSession, randomUuid } from "../../src/tracker/session";
import { blockLocalStorage } from "../support/blockStorage";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

afterEach(() => {
  vi.restoreAllMocks();
  localStorage.clear();
});

test("outside a secure context the id is still a v4 UUID", () => {
  Object.defineProperty(crypto, "randomUUID", { configurable: true, value: undefined });
  try {
    const ids = new Set(Array.from({ length: 50 }, randomUuid));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(UUID_V4);
  } finally {
    Reflect.deleteProperty(crypto, "randomUUID");
  }
});

test("a stored id that is not a UUID is replaced", () => {
  localStorage.setItem("convex-live-stats:session", "tampered");
  const session = loadSession();
  expect(session).toEqual({ id: expect.stringMatching(UUID_V4), shared: true });
  expect(loadSession()).toEqual(session);
});

test("blocked storage gives one per-tab id", () => {
  const unblock = blockLocalStorage();
  try {
    const first = loadSession();
    expect(first).toEqual({ id: expect.stringMatching(UUID_V4), shared: false });
    expect(loadSession()).toEqual(first);
  } finally {
    unblock();
  }
});
