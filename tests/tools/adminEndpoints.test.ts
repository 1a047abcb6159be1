import { afterAll, beforeAll, expect, it } from "vitest";
import { WORKER_COOLDOWN_MS, WORKER_DEBOUNCE_MS } from "../../src/shared/config";
import { backendClock } from "../../tools/local-convex/clock";
import { startLocalConvex, type LocalConvex } from "../../tools/local-convex/server";

// POST /api/admin/recount (convex/http.ts, client/http/adminEndpoints.ts) over real HTTP, on the local server's
// site port, as a cron job's curl meets it at <deployment>.convex.site.

const SECRET = "c0ffee".repeat(10);
const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

let server: LocalConvex;
beforeAll(async () => {
  server = await startLocalConvex({ env: { STATS_ADMIN_SECRET: SECRET }, runCronsOnSchedule: false });
});
afterAll(async () => {
  await server.close();
  backendClock.reset();
});

const recount = (authorization: string) => fetch(`${server.siteUrl}/api/admin/recount?limit=5`, { method: "POST", headers: { Authorization: authorization } });

it("recounts what POST /api/event recorded for the holder of the secret, and answers anyone else 401", async () => {
  for (const path of ["/hello", "/hello", "/about"]) {
    const event = { type: "pageview", sessionId: crypto.randomUUID(), path };
    const sent = await fetch(`${server.siteUrl}/api/event`, { method: "POST", headers: { "Content-Type": "application/json", "User-Agent": FIREFOX }, body: JSON.stringify(event) });
    expect(sent.status).toBe(202);
  }
  // The worker folds what was sent, as it does while the owner's dashboard is open: the clock jumps past its debounce and cooldown.
  await server.deployment.mutation("stats:watchDashboard", {});
  backendClock.advance(WORKER_DEBOUNCE_MS);
  await server.deployment.runDue();
  backendClock.advance(WORKER_COOLDOWN_MS + WORKER_DEBOUNCE_MS);
  await server.deployment.settled();

  const allowed = await recount(`Bearer ${SECRET}`);
  expect(allowed.status).toBe(200);
  expect(allowed.headers.get("Content-Type")).toBe("application/json");
  expect(await allowed.json()).toEqual({ success: true, message: "Recounted 3/3 figures (2 pages and the site total)", summary: { total: 3, processed: 3, failed: 0 } });

  const refused = await recount("Bearer not-the-secret");
  expect(refused.status).toBe(401);
  expect(await refused.json()).toEqual({ error: "Unauthorized" });
});
