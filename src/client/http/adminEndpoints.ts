import { ADMIN_CLEANUP_MAX_CHUNKS, ADMIN_RECOUNT_DEFAULT_PAGES, ADMIN_RECOUNT_MAX_ROWS, CLEANUP_INTERVAL_SECONDS } from "../../shared/config.js";
import { ConvexError } from "convex/values";
import { jsonResponse } from "./jsonResponse.js";
import { recountSampledPages } from "./recount.js";
import { ADMIN_SECRET_VARIABLE } from "../../component/operate/adminAccess.js";
import type { RetentionLoss } from "../../component/operate/retiredRows.js";
import type { HttpContext } from "./routes.js";

/**
 * POST /api/admin/backfill, /api/admin/cleanup and /api/admin/recount, and
 * /api/admin/goals (GET, POST, DELETE) (registerRoutes): maintenance a cron job or an operator's curl can run, behind
 * `Authorization: Bearer <STATS_ADMIN_SECRET>` (prds/admin.md). Each answers
 * `{ success: true, message, summary: { total, processed, failed }, errors? }`
 * (one failed item never stops the others), or `{ success: false, error,
 * timestamp }` with 4xx/500; progress goes to the deployment's logs.
 */

const DISABLED = `The admin endpoints are off until ${ADMIN_SECRET_VARIABLE} is set on the deployment: npx convex env set ${ADMIN_SECRET_VARIABLE} "$(openssl rand -hex 32)"`;

export type AdminReport = {
  message: string;
  summary: { total: number; processed: number; failed: number };
  errors?: { target: string; error: string }[];
};

const failure = (status: number, error: string) => jsonResponse(status, { success: false, error, timestamp: new Date().toISOString() });

/**
 * Who may not go on, and the answer: while no secret is configured, 503 for
 * everyone (there is nothing to guess, and the operator reads how to turn the
 * endpoints on); once one is, 401 `Unauthorized` for a missing, malformed or
 * wrong bearer token alike. Null for the holder of the secret.
 */
export async function adminRefusal({ ctx, component }: HttpContext, request: Request): Promise<Response | null> {
  const presented = /^Bearer +(\S+) *$/i.exec(request.headers.get("Authorization") ?? "")?.[1] ?? "";
  const access = await ctx.runQuery(component.operate.checkAdminToken, { token: presented });
  if (access === "off") return jsonResponse(503, { error: DISABLED });
  if (access === "granted") return null;
  return jsonResponse(401, { error: "Unauthorized" }, { "WWW-Authenticate": "Bearer" });
}

/** A query parameter the endpoint does not take (`limit[]`, a typo), or undefined: one it ignored would run with a default the operator did not ask for. */
function unknownParameter(request: Request, parameters: readonly string[]): string | undefined {
  return [...new URL(request.url).searchParams.keys()].find((name) => !parameters.includes(name));
}

/**
 * An admin endpoint taking the query `parameters`: refuses whoever lacks the secret before reading
 * anything else of the request, then any other parameter (400), then answers `run`'s report or its failure.
 */
function adminEndpoint(name: string, parameters: readonly string[], run: (http: HttpContext, request: Request) => Promise<AdminReport | Response>) {
  return async (http: HttpContext, request: Request): Promise<Response> => {
    const refusal = await adminRefusal(http, request);
    if (refusal !== null) return refusal;
    const unknown = unknownParameter(request, parameters);
    if (unknown !== undefined) {
      return failure(400, `${name} takes ${parameters.length === 0 ? "no query parameters" : `only ${parameters.join(", ")}`} (got "${unknown}")`);
    }
    console.log(`[admin] ${name}: started`);
    try {
      const report = await run(http, request);
      if (report instanceof Response) return report;
      console.log(`[admin] ${name}: ${report.message}`);
      return jsonResponse(200, { success: true, ...report });
    } catch (error) {
      console.error(`[admin] ${name} failed:`, error);
      return failure(500, error instanceof Error ? error.message : String(error));
    }
  };
}

/**
 * Starts a backfill (component/derive/backfill.ts), or reports the one under way; the stats worker carries it out.
 * Once raw retention has deleted rows the figures count, 409 with what would be lost unless `?acceptRetentionLoss=true`.
 */
export const handleBackfillRequest = adminEndpoint("backfill", ["acceptRetentionLoss"], async ({ ctx, component }, request) => {
  const accept = new URL(request.url).searchParams.getAll("acceptRetentionLoss");
  if (accept.length > 1 || (accept.length === 1 && accept[0] !== "true")) return failure(400, `acceptRetentionLoss takes only "true" (got ${JSON.stringify(accept.join(","))})`);
  let run;
  try {
    run = await ctx.runMutation(component.operate.backfill, { acceptRetentionLoss: accept.length === 1 });
  } catch (error) {
    const data = error instanceof ConvexError ? (error.data as Partial<RetentionLoss>) : null;
    if (data?.code !== "RETENTION_LOSS") throw error;
    return failure(409, `${data.message} Over HTTP: POST /api/admin/backfill?acceptRetentionLoss=true`);
  }
  const next = run.started ? "the stats worker rebuilds derived data a step per batch (prds/backfill.md)" : "nothing new started";
  return { message: `Backfill run ${run.runId}: ${run.message}; ${next}`, summary: { total: 1, processed: run.started ? 1 : 0, failed: 0 } };
});

/** Removes stale sessions now, a bounded chunk per transaction, until none are left or ADMIN_CLEANUP_MAX_CHUNKS ran. */
export const handleCleanupRequest = adminEndpoint("cleanup", [], async ({ ctx, component }) => {
  let removed = 0;
  let pruned = 0;
  let chunks = 0;
  let more = true;
  while (more && chunks < ADMIN_CLEANUP_MAX_CHUNKS) {
    const chunk = await ctx.runMutation(component.operate.cleanupStaleSessions, { reschedule: false });
    chunks++;
    removed += chunk.deleted;
    pruned += chunk.pruned;
    more = chunk.more;
    const old = chunk.pruned > 0 ? `, ${chunk.pruned} rows past their retention deleted` : "";
    console.log(`[admin] cleanup chunk ${chunks}: ${chunk.deleted} stale sessions removed${old}${more ? ", more to go" : ""}`);
  }
  const rest = more ? `; more remain, which the cron removes (every ${CLEANUP_INTERVAL_SECONDS / 60} min)` : "";
  const old = pruned > 0 ? ` and ${pruned} rows past their retention` : "";
  return { message: `Removed ${removed} stale sessions${old} in ${chunks} chunk${chunks === 1 ? "" : "s"}${rest}`, summary: { total: removed, processed: removed, failed: 0 } };
});

/**
 * Goals over HTTP (prds/events.md): `GET` lists them (`goals` beside the report), `POST ?name=&event=[&prop=key:value…]`
 * or `POST ?name=&page=/blog/*` makes one (all its history at once), `DELETE ?name=` deletes one. A bad goal is a 400
 * naming the field.
 */
export const handleGoalsRequest = adminEndpoint("goals", ["name", "event", "page", "prop"], async ({ ctx, component }, request) => {
  const params = new URL(request.url).searchParams;
  if (request.method === "GET") {
    const goals = await ctx.runQuery(component.operate.listGoals, {});
    return listed("goal", goals);
  }
  const name = singleParam(params, "name");
  if (name instanceof Response) return name;
  if (name === undefined) return failure(400, "name is required");
  if (request.method === "DELETE") return await invalidAs400(async () => deleted("Goal", name, await ctx.runMutation(component.operate.deleteGoal, { name })));
  const event = singleParam(params, "event");
  const page = singleParam(params, "page");
  if (event instanceof Response) return event;
  if (page instanceof Response) return page;
  if ((event === undefined) === (page === undefined)) return failure(400, "give event (the custom event the goal counts) or page (a path pattern such as /blog/*)");
  const props: { key: string; value: string }[] = [];
  for (const prop of params.getAll("prop")) {
    const colon = prop.indexOf(":");
    if (colon <= 0) return failure(400, `prop must be key:value, e.g. plan:pro (got ${JSON.stringify(prop.slice(0, 40))})`);
    props.push({ key: prop.slice(0, colon), value: prop.slice(colon + 1) });
  }
  return await invalidAs400(async () => {
    const goal = await ctx.runMutation(component.operate.createGoal, { name, ...(event === undefined ? { page: page as string } : { event }), ...(props.length === 0 ? {} : { props }) });
    const narrowed = goal.props?.map(({ key, value }) => `${key} = ${value}`).join(", ");
    const counts = goal.event === undefined ? `views of ${goal.page}` : `${JSON.stringify(goal.event)}${narrowed ? ` with ${narrowed}` : ""}`;
    return { message: `Goal ${JSON.stringify(goal.name)} counts ${counts}, all its history`, summary: { total: 1, processed: 1, failed: 0 } };
  });
});

/**
 * Funnels over HTTP (prds/events.md): `GET` lists them, `POST ?name=&step=<goal>&step=<goal>…` makes one (2 to 8
 * goals, in order), `DELETE ?name=` deletes one. A bad funnel is a 400 naming the field.
 */
export const handleFunnelsRequest = adminEndpoint("funnels", ["name", "step"], async ({ ctx, component }, request) => {
  const params = new URL(request.url).searchParams;
  if (request.method === "GET") {
    const funnels = await ctx.runQuery(component.operate.listFunnels, {});
    return listed("funnel", funnels);
  }
  const name = singleParam(params, "name");
  if (name instanceof Response) return name;
  if (name === undefined) return failure(400, "name is required");
  if (request.method === "DELETE") return deleted("Funnel", name, await ctx.runMutation(component.operate.deleteFunnel, { name }));
  return await invalidAs400(async () => {
    const funnel = await ctx.runMutation(component.operate.createFunnel, { name, steps: params.getAll("step") });
    return { message: `Funnel ${JSON.stringify(funnel.name)}: ${funnel.steps.map((step) => JSON.stringify(step)).join(" → ")}`, summary: { total: 1, processed: 1, failed: 0 } };
  });
});

/** A query parameter given at most once: its value, undefined, or a 400 for a second one. */
function singleParam(params: URLSearchParams, name: string): string | undefined | Response {
  const values = params.getAll(name);
  return values.length > 1 ? failure(400, `give ${name} once (got ${values.length} of them)`) : values[0];
}

/** A GET's answer: the rows beside the report, under the noun's plural (`goals`), counted in its message. */
function listed(noun: string, rows: unknown[]): Response {
  const summary = { total: rows.length, processed: rows.length, failed: 0 };
  return jsonResponse(200, { success: true, message: `${rows.length} ${noun}${rows.length === 1 ? "" : "s"}`, summary, [`${noun}s`]: rows });
}

/** The report of a delete by name. */
const deleted = (kind: string, name: string, { deleted }: { deleted: boolean }) => ({
  message: deleted ? `${kind} ${JSON.stringify(name)} deleted` : `No ${kind.toLowerCase()} is named ${JSON.stringify(name)}`,
  summary: { total: 1, processed: deleted ? 1 : 0, failed: 0 },
});

/** Runs a change, answering its INVALID_ARGUMENT as a 400 with its message. */
async function invalidAs400<T>(change: () => Promise<T>): Promise<T | Response> {
  try {
    return await change();
  } catch (error) {
    const data = error instanceof ConvexError ? (error.data as { code?: string; message?: string }) : null;
    if (data?.code !== "INVALID_ARGUMENT") throw error;
    return failure(400, data.message ?? "a bad request");
  }
}

/**
 * The `limit` query parameter: pages to recount (capped by the sample), or a 400 for anything but
 * decimal digits making a number from 1, or for a second limit. `Number` alone would take
 * "0x10", "+5", "1.0" and "1e308".
 */
function requestedPages(request: Request): number | Response {
  const limits = new URL(request.url).searchParams.getAll("limit");
  if (limits.length === 0) return ADMIN_RECOUNT_DEFAULT_PAGES;
  if (limits.length > 1) return failure(400, `give limit once (got ${limits.length} of them)`);
  const [limit] = limits;
  return /^\d+$/.test(limit) && Number(limit) >= 1 ? Number(limit) : failure(400, `limit must be a whole number of pages, at least 1 (got "${limit}")`);
}

/** Recounts a sample of derived figures against the raw rows (component/operate/recount.ts, ./recount.ts); 409 while a backfill rebuilds them. */
export const handleRecountRequest = adminEndpoint("recount", ["limit"], async (http, request) => {
  const limit = requestedPages(request);
  if (limit instanceof Response) return limit;
  const sample = await http.ctx.runQuery(http.component.operate.recountSample, { limit });
  if (sample.backfill !== null) {
    const { runId, phase } = sample.backfill;
    return failure(409, `backfill run ${runId} is rebuilding derived data (now at ${phase}): recount once it is done`);
  }
  const { items, skipped } = await recountSampledPages(http, sample);
  const errors = items.flatMap(({ target, error }) => (error === undefined ? [] : [{ target, error }]));
  const total = sample.pages.length + 1;
  const pages = `${items.length - 1} page${items.length === 2 ? "" : "s"} and the site total`;
  const left = skipped > 0 ? `; ${skipped} left out, past the ${ADMIN_RECOUNT_MAX_ROWS}-row budget: ask for a smaller limit` : "";
  const failed = errors.length > 0 ? `; ${errors.length} failed` : "";
  return {
    message: `Recounted ${items.length}/${total} figures (${pages})${left}${failed}`,
    summary: { total, processed: items.length, failed: errors.length },
    ...(errors.length > 0 ? { errors } : {}),
  };
});
