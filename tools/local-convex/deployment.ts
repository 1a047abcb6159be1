import { setTimeout as delay } from "node:timers/promises";
import type { Crons } from "convex/server";
import type { JSONValue } from "convex/values";
import { BackendTimers } from "./backendTimers";
import { backendClock } from "./clock";
import { intervalCrons, type IntervalCron } from "./crons";
import { collectLogs } from "./functionLogs";
import { FunctionRunner, notFound, type Caller, type Failure, type Outcome } from "./functions";
import { COMPONENT_PATHS, createNodeTestConvex, loadComponentModule, STATS_SITES, type NodeTestConvex } from "./nodeConvex";
import type { StatsCtx } from "../../tests/support/convexBackend";

/** Runs one query against the state being read; repeated (path, args) pairs within one read are computed once. */
export type QueryRunner = (udfPath: string, jsonArgs: JSONValue) => Promise<Outcome>;

/** Something holding query subscriptions (a sync session). */
export interface Subscriber {
  /** Re-runs its queries against the state at `ts` and tells its client what changed. */
  publish(ts: bigint, runQuery: QueryRunner): Promise<void>;
}

/** What `runAsCall` hands its body: a mutation's ctx on the deployment's state. */
export type DeploymentCtx = Parameters<NodeTestConvex["run"]>[0] extends (ctx: infer Ctx) => unknown ? Ctx : never;
/** What `runInComponent` hands its body for a site ("liveStats", "docsStats"): a mutation's ctx inside its stats component. */
export type ComponentCtx = StatsCtx;

export type MutationOutcome = (Outcome & { success: true; ts: bigint }) | Failure;

export type DeploymentOptions = {
  /** Deployment environment variables (what `npx convex env set` holds), visible to functions as process.env. */
  env?: Record<string, string>;
  /** Run crons at their own intervals; tests turn this off and call runCrons() when they want. */
  runCronsOnSchedule?: boolean;
  /** The deployment's log: what crons and scheduled functions print, and their failures. Dropped if absent. */
  log?: (line: string) => void;
};

// How often settled() looks again while scheduled functions are pending.
const SETTLED_POLL_MS = 50;
// settled() waits for jobs due within this; later ones are timers, not work under way (the stats worker sleeping until a live session times out, its monitor).
const SETTLED_HORIZON_MS = 2_000;

export type ScheduledJob = { componentPath: string; name: string; state: string; scheduledTime: number };

type RunInComponent = <T>(componentPath: string, body: (ctx: DeploymentCtx & ComponentCtx) => Promise<T>) => Promise<T>;

/**
 * An in-memory Convex deployment: the app's functions on convex-test, a
 * commit timestamp per mutation, and subscribers told of every commit
 * (commits made while a publication waits its turn share it), including
 * those of scheduled functions (in any component), which run on the
 * backend clock (backendTimers.ts).
 */
export class LocalDeployment {
  private tail: Promise<unknown> = Promise.resolve();
  private lastTs = 0n;
  private readonly subscribers = new Set<Subscriber>();
  private readonly cronTimers: NodeJS.Timeout[] = [];
  private readonly timers: BackendTimers;
  private readonly runner: FunctionRunner;
  private queuedPublish: Promise<void> | null = null;
  private closed = false;

  private constructor(
    private readonly t: NodeTestConvex,
    private readonly crons: IntervalCron[],
    private readonly env: Record<string, string>,
    private readonly log: (line: string) => void,
  ) {
    this.timers = new BackendTimers({
      finished: () => this.t.finishInProgressScheduledFunctions(),
      onFinished: () => this.publishBackgroundWork(),
      log,
    });
    this.runner = new FunctionRunner(t, loadComponentModule, log, (call) => this.timers.run(call));
    this.nextTs();
  }

  static async create(options: DeploymentOptions = {}): Promise<LocalDeployment> {
    const t = await createNodeTestConvex();
    // The app's convex/crons.ts (if any), then each site's component's own (src/component/crons.ts), run inside it.
    const crons: IntervalCron[] = [];
    for (const componentPath of ["", ...STATS_SITES]) {
      crons.push(...intervalCrons((await loadComponentModule(componentPath, "crons"))?.default as Crons | undefined, componentPath));
    }
    const deployment = new LocalDeployment(t, crons, options.env ?? {}, options.log ?? (() => {}));
    Object.assign(process.env, deployment.env);
    if (options.runCronsOnSchedule ?? true) deployment.scheduleCrons();
    return deployment;
  }

  /** Adds a subscriber; the returned function removes it. */
  subscribe(subscriber: Subscriber): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  /** Reads the current state: `read` gets a query runner and the state's timestamp, and nothing commits meanwhile. */
  read<T>(read: (runQuery: QueryRunner, ts: bigint) => Promise<T>): Promise<T> {
    return this.serialized(() => read(this.queryRunner(), this.lastTs));
  }

  query(udfPath: string, jsonArgs: JSONValue): Promise<Outcome> {
    return this.read((runQuery) => runQuery(udfPath, jsonArgs));
  }

  /**
   * Runs a mutation. `onResult` hears the outcome (with the commit's
   * timestamp) before any subscriber hears of the commit, as a client must.
   * Resolves once subscribers have heard of it: with the commits queued behind
   * it, in one publication (see publishSoon).
   */
  async mutation(
    udfPath: string,
    jsonArgs: JSONValue,
    options: { caller?: Caller; componentPath?: string; onResult?: (outcome: MutationOutcome) => void } = {},
  ): Promise<MutationOutcome> {
    const outcome = await this.serialized(async (): Promise<MutationOutcome> => {
      const outcome = await this.runner.run("mutation", udfPath, jsonArgs, options.caller, options.componentPath);
      if (!outcome.success) {
        options.onResult?.(outcome);
        return outcome;
      }
      const committed = { ...outcome, ts: this.nextTs() };
      options.onResult?.(committed);
      return committed;
    });
    if (outcome.success) await this.publishSoon();
    return outcome;
  }

  /** Runs an action outside the commit order (its mutations commit on their own), then publishes. */
  async action(udfPath: string, jsonArgs: JSONValue, caller: Caller = "client", componentPath = ""): Promise<Outcome> {
    const outcome = await this.runner.run("action", udfPath, jsonArgs, caller, componentPath);
    await this.serialized(() => this.publish(this.nextTs()));
    return outcome;
  }

  /**
   * Runs the HTTP action convex/http.ts routes a request to, as a deployment's .convex.site does: what it
   * logs goes to the deployment's log (no client hears it), an uncaught error answers 500, then publishes.
   */
  async httpAction(pathAndQuery: string, init: RequestInit & { method: string }): Promise<Response> {
    const outcome = await this.runner.fetch(pathAndQuery, init);
    const request = `${init.method} ${pathAndQuery}`;
    for (const line of outcome.logLines) this.log(`${request}: ${line}`);
    if (!outcome.success) this.log(`${request} failed: ${outcome.errorMessage}`);
    // Coalesced like mutations' publications: HTTP actions are visitors' hot path too.
    await this.publishSoon();
    return outcome.success ? outcome.response : new Response(outcome.errorMessage, { status: 500 });
  }

  /** Runs whatever kind of function lives at `udfPath` (ConvexHttpClient's /api/function). */
  async anyFunction(udfPath: string, jsonArgs: JSONValue): Promise<Outcome> {
    const kind = await this.runner.kindOf(udfPath, "client");
    if (kind === "mutation") return await this.mutation(udfPath, jsonArgs);
    if (kind === "action") return await this.action(udfPath, jsonArgs);
    return kind === "query" ? await this.query(udfPath, jsonArgs) : notFound(udfPath);
  }

  /**
   * For tests: runs `body` on the deployment's state as a call of its own, to do what no app
   * function does (schedule a call that fails, say). Returns what it logged; what the work it
   * schedules logs goes to the deployment's log, as for any call.
   */
  async runAsCall(body: (ctx: DeploymentCtx) => Promise<void>): Promise<string[]> {
    return await this.runInComponent("", body as unknown as (ctx: ComponentCtx) => Promise<void>);
  }

  /**
   * `runAsCall` inside a component: `body` sees the component's own tables (a site's analytics:
   * `runInComponent("liveStats", …)`), and a function it calls by name resolves within it.
   */
  async runInComponent(componentPath: string, body: (ctx: ComponentCtx) => Promise<void>): Promise<string[]> {
    const runInComponent = (this.t as unknown as { runInComponent: RunInComponent }).runInComponent;
    const { logLines } = await this.serialized(() =>
      this.timers.run(() => collectLogs(() => runInComponent(componentPath, body as (ctx: DeploymentCtx & ComponentCtx) => Promise<void>), this.log)),
    );
    await this.serialized(() => this.publish(this.nextTs()));
    return logLines;
  }

  /** Runs every cron job (the app's, then each site component's) once, now, and waits for the work it schedules. */
  async runCrons(): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    for (const cron of this.crons) outcomes.push(await this.runCron(cron));
    await this.settled();
    return outcomes;
  }

  /**
   * Resolves once no commit is queued, no scheduled function is running or due
   * within SETTLED_HORIZON_MS, and what they committed is published. A running
   * batch worker keeps a job due that soon until it goes idle or sleeps (a
   * couple of seconds after its last batch).
   */
  async settled(): Promise<void> {
    while (!this.closed && (await this.jobsUnderWay()) > 0) await delay(SETTLED_POLL_MS);
    await this.timers.idle();
    await this.serialized(async () => {});
  }

  /**
   * Runs the scheduled functions due by the backend clock now (the stats worker's next
   * batch, say) and waits for them. A caller that moves the clock in a tight loop, never
   * giving the event loop a turn, calls this now and then so they keep up.
   */
  async runDue(): Promise<void> {
    await this.timers.runDue();
  }

  /** Every scheduled function so far, in the app ("") and in each component, with its state. */
  async scheduledJobs(): Promise<ScheduledJob[]> {
    const runInComponent = (this.t as unknown as { runInComponent: RunInComponent }).runInComponent;
    const jobs: ScheduledJob[] = [];
    for (const componentPath of COMPONENT_PATHS) {
      const rows = await runInComponent(componentPath, (ctx) => ctx.db.system.query("_scheduled_functions").collect());
      for (const { name, state, scheduledTime } of rows) jobs.push({ componentPath, name, state: state.kind, scheduledTime });
    }
    return jobs;
  }

  /** Stops the deployment: no cron or scheduled function starts after this; one already running finishes. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.cronTimers) clearInterval(timer);
    this.timers.dispose();
    await this.t.finishInProgressScheduledFunctions();
    await this.timers.idle();
    await this.serialized(async () => {});
    for (const key of Object.keys(this.env)) delete process.env[key];
  }

  private async runCron(cron: IntervalCron): Promise<Outcome> {
    const { componentPath, udfPath, args } = cron;
    const kind = await this.runner.kindOf(udfPath, "deployment", componentPath);
    const outcome =
      kind === "action"
        ? await this.action(udfPath, args, "deployment", componentPath)
        : await this.mutation(udfPath, args, { caller: "deployment", componentPath });
    // A component's jobs are named as the dashboard's cron list names them: under the component's path.
    const name = componentPath === "" ? cron.id : `${componentPath}/${cron.id}`;
    for (const line of outcome.logLines) this.log(`cron "${name}": ${line}`);
    if (!outcome.success) this.log(`cron "${name}" failed: ${outcome.errorMessage}`);
    return outcome;
  }

  private scheduleCrons(): void {
    for (const cron of this.crons) {
      this.cronTimers.push(setInterval(() => void this.runCron(cron), cron.everyMs));
    }
  }

  /** Tasks run one at a time in arrival order, so commits, their publication and reads never interleave. */
  private serialized<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** The next state's timestamp: nanoseconds like Convex's, never behind the backend clock, always increasing. */
  private nextTs(): bigint {
    const now = BigInt(backendClock.now()) * 1_000_000n;
    this.lastTs = now > this.lastTs ? now : this.lastTs + 1n;
    return this.lastTs;
  }

  private queryRunner(): QueryRunner {
    const results = new Map<string, Promise<Outcome>>();
    return (udfPath, jsonArgs) => {
      const key = `${udfPath}\n${JSON.stringify(jsonArgs)}`;
      let result = results.get(key);
      if (result === undefined) {
        result = this.runner.run("query", udfPath, jsonArgs);
        results.set(key, result);
      }
      return result;
    };
  }

  private async publish(ts: bigint): Promise<void> {
    const runQuery = this.queryRunner();
    await Promise.all([...this.subscribers].map((subscriber) => subscriber.publish(ts, runQuery)));
  }

  /** After a scheduled function finished: publish what it committed, with whatever else commits meanwhile. */
  private publishBackgroundWork(): void {
    if (!this.closed) void this.publishSoon();
  }

  /**
   * Publishes the newest state once for every commit made until the publication runs, as Convex
   * coalesces a query's updates: re-running every subscribed query after each commit would fall
   * ever further behind once commits come faster than the queries run (a busy site, an open dashboard).
   */
  private publishSoon(): Promise<void> {
    this.queuedPublish ??= this.serialized(async () => {
      this.queuedPublish = null;
      await this.publish(this.nextTs());
    });
    return this.queuedPublish;
  }

  /** Scheduled functions running, or due within SETTLED_HORIZON_MS, in the app and in every component. */
  private async jobsUnderWay(): Promise<number> {
    const horizon = backendClock.now() + SETTLED_HORIZON_MS;
    const jobs = await this.scheduledJobs();
    return jobs.filter(({ state, scheduledTime }) => state === "inProgress" || (state === "pending" && scheduledTime <= horizon)).length;
  }
}
