import type { LocalDeployment } from "../local-convex/deployment";

/**
 * The demo's goals and funnel, as a site owner would define them with `npx convex run stats:createGoal` and
 * `stats:createFunnel` (prds/events.md): made after the month of history is replayed, so they show that a goal or
 * funnel covers all history at once.
 */
export const DEMO_GOALS = [
  { name: "Sign-ups", event: "Signup" },
  { name: "Paid sign-ups", event: "Signup", props: [{ key: "plan", value: "pro" }] },
  { name: "Downloads", event: "File Download" },
  { name: "Started checkout", event: "Begin Checkout" },
  { name: "Purchases", event: "Purchase" },
  { name: "Read about", page: "/about" },
];
export const DEMO_FUNNELS = [{ name: "Checkout", steps: ["Sign-ups", "Started checkout", "Purchases"] }];

/** Makes the goals and funnels, as the owner runs the internal mutations (`npx convex run`). */
export async function defineGoals(deployment: LocalDeployment): Promise<void> {
  for (const goal of DEMO_GOALS) await run(deployment, "stats:createGoal", goal);
  for (const funnel of DEMO_FUNNELS) await run(deployment, "stats:createFunnel", funnel);
}

async function run(deployment: LocalDeployment, udfPath: string, args: object): Promise<void> {
  const outcome = await deployment.mutation(udfPath, JSON.parse(JSON.stringify(args)), { caller: "deployment" });
  if (!outcome.success) throw new Error(`${udfPath} failed: ${outcome.errorMessage}`);
}
