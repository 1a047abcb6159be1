import { describe, expect, it } from "vitest";
import { CONVEX_HOST, offlineNotice, OFFLINE_MESSAGE } from "../../tools/dev/preflight.mjs";

// `npm run dev`'s preflight, with the DNS lookup faked: no network needed either way.

describe("npm run dev preflight", () => {
  it("points to npm run demo when the Convex host does not resolve", async () => {
    const looked: string[] = [];
    const failing = async (host: string) => {
      looked.push(host);
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    };
    expect(await offlineNotice({ lookup: failing })).toBe(OFFLINE_MESSAGE);
    expect(looked).toEqual([CONVEX_HOST]);
    expect(OFFLINE_MESSAGE).toMatch(/no network.*npm run demo$/);
  });

  it("says nothing when the lookup succeeds", async () => {
    expect(await offlineNotice({ lookup: async () => ({ address: "203.0.113.7", family: 4 }) })).toBeNull();
  });

  it("gives up on a lookup that hangs after the timeout, not later", async () => {
    const started = performance.now();
    expect(await offlineNotice({ lookup: () => new Promise(() => {}), timeoutMs: 50 })).toBe(OFFLINE_MESSAGE);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
