import { expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import { measure } from "../support/metrics";
import { viewPage } from "../support/calls";
import { T0, useFakeClock, advanceTo, MINUTE } from "../support/clock";
import { createTestConvex } from "../support/convex";
import { sessionId } from "../support/seed";
import { settle, workerRunsByState } from "../support/worker";

useFakeClock(T0);
test("event cost", async () => {
  const t = createTestConvex();
  for (let i = 0; i < 20; i++) await viewPage(t, i, "/a");
  await settle(t);
  const costs = [];
  for (const props of [undefined, { plan: "pro" }, { plan: "pro", seats: "3", url: "https://x.example/a" }]) {
    advanceTo(Date.now() + MINUTE);
    const { cost } = await measure(t, (ctx) => ctx.runMutation(api.stats.trackEvent, { sessionId: sessionId(1), name: "Signup", path: "/a", ...(props ? { props } : {}) }));
    costs.push({ props: props ? Object.keys(props).length : 0, ...cost });
  }
  console.log(JSON.stringify(costs));
  expect(costs.length).toBe(3);
});
