import { makeFunctionReference } from "convex/server";
import { afterEach, expect, it } from "vitest";
import { startLocalConvex, type LocalConvex } from "../../tools/local-convex/server";

// The emulator in plain Node, no browser: what `npm run demo` relies on to keep running.

let server: LocalConvex | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

it("keeps serving after a scheduled function logs an error and throws, its log callback printing with console.log", async () => {
  const deploymentLog: string[] = [];
  // As the demo's: the deployment's log goes to the console.
  const log = (line: string) => {
    deploymentLog.push(line);
    console.log(`[convex] ${line}`);
  };
  server = await startLocalConvex({ runCronsOnSchedule: false, log });

  // An internal mutation scheduled with arguments its validator rejects: when it runs, it throws
  // and the scheduler logs the error, after the call that scheduled it has replied.
  await server.deployment.runAsCall(async (ctx) => {
    await ctx.scheduler.runAfter(0, makeFunctionReference<"mutation">("stats:cleanupStaleSessions"), { unexpected: true });
  });

  await expect.poll(() => deploymentLog).toEqual([expect.stringMatching(/^\[ERROR\] 'Error when running scheduled function stats:cleanupStaleSessions'/)]);
  await server.deployment.settled();
  const response = await fetch(`${server.url}/api/query`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ path: "stats:getActiveVisitors", format: "convex_encoded_json", args: [{}] }),
  });
  expect(await response.json()).toMatchObject({ status: "success", value: { activeVisitors: 0 } });
});
