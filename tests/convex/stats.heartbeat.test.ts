import { beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { HEARTBEAT_DEDUP_MS } from "../../convex/model/config";
import * as Sessions from "../../convex/model/sessions";
import { accessOf } from "../support/access";
import { SECOND, T0, useFakeClock } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { insertRows, sessionId } from "../support/seed";
import { readTables } from "../support/tables";
import { heartbeat, measureHeartbeat } from "../support/calls";

useFakeClock(T0);
let t: TestConvex;
beforeEach(() => {
  t = createTestConvex();
});

const active = async () => await t.query(api.stats.getActiveVisitors, { now: Date.now() });

describe("heartbeat", () => {
  test("the first heartbeat makes the session active on its path", async () => {
    await heartbeat(t, 1, "/a");
    expect(await active()).toEqual({ activeVisitors: 1, activeByPath: [{ path: "/a", count: 1 }] });
  });

  test("a repeat on the same path within 10 s writes nothing", async () => {
    await heartbeat(t, 1, "/a");
    const before = await readTables(t);
    vi.advanceTimersByTime(HEARTBEAT_DEDUP_MS - 1);

    const { cost } = await measureHeartbeat(t, 1, "/a");

    expect(cost.documentsWritten).toBe(0);
    expect(await readTables(t)).toEqual(before);
  });

  test("after 10 s on the same path it only moves lastSeen, touching no aggregate", async () => {
    await heartbeat(t, 1, "/a");
    vi.advanceTimersByTime(HEARTBEAT_DEDUP_MS);

    const { cost } = await measureHeartbeat(t, 1, "/a");
    vi.advanceTimersByTime(HEARTBEAT_DEDUP_MS);
    const { writes } = await accessOf(t, (ctx) => Sessions.heartbeat(ctx, sessionId(1), "/a", Date.now()));

    expect(cost.documentsWritten).toBe(1);
    expect(writes).toEqual(["table:activeSessions"]);
    const [session] = await t.run((ctx) => ctx.db.query("activeSessions").collect());
    expect(session).toMatchObject({ currentPath: "/a", lastSeen: T0 + 2 * HEARTBEAT_DEDUP_MS });
  });

  test("a path change moves the session from one path's count to the other's", async () => {
    await heartbeat(t, 1, "/a");
    await heartbeat(t, 2, "/a");
    vi.advanceTimersByTime(SECOND);

    await heartbeat(t, 1, "/b");

    expect(await active()).toEqual({
      activeVisitors: 2,
      activeByPath: [
        { path: "/a", count: 1 },
        { path: "/b", count: 1 },
      ],
    });
    const paths = await t.run((ctx) => ctx.db.query("activePaths").collect());
    expect(paths.map((row) => row.path)).toEqual(["/a", "/b"]);
  });

  test("a session written before the aggregate existed is adopted when it moves", async () => {
    await insertRows(t, "activeSessions", [{ sessionId: sessionId(1), currentPath: "/a", lastSeen: T0 }]);
    vi.advanceTimersByTime(SECOND);
    await heartbeat(t, 1, "/b");
    expect(await active()).toEqual({ activeVisitors: 1, activeByPath: [{ path: "/b", count: 1 }] });
  });

  test("a path change is never deduplicated, even within 10 s", async () => {
    await heartbeat(t, 1, "/a");
    await heartbeat(t, 1, "/b");
    expect((await active()).activeByPath).toEqual([{ path: "/b", count: 1 }]);
  });
});
