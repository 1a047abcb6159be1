import { setTimeout as delay } from "node:timers/promises";
import type { Crons } from "convex/server";
import type { JSONValue } from "convex/values";
import { backendClock } from "./clock";
import { intervalCrons, type IntervalCron } from "./crons";
import { collectLogs } from "./functionLogs";
import { FunctionRunner, notFound, type Caller, type Failure, type Outcome } from "./functions";
import { createNodeTestConvex, loadConvexModule, type NodeTestConvex } from "./nodeConvex";

/** Runs one query against the state being read; repeated (path, args) pairs within one read are computed once. */
export type QueryRunner = (udfPath: string, jsonArgs: JSONValue) => Promise<Outcome>;

/** Something holding query subscriptions (a sync session). */
export interface Subscriber {
  /** Re-runs its queries against the state at `ts` and tells its client what changed. */
  publish(ts: bigint, runQuery: QueryRunner): Promise<void>;
}

/** What `runAsCall` hands its body: a mutation's ctx on the deployment's state. */
export type DeploymentCtx = Parameters<NodeTestConvex["run"]>[0] extends (ctx: infer Ctx) => unknown ? Ctx : never;

export type MutationOutcome = (Outcome & { success: true; ts: bigint }) | Failure;

export type DeploymentOptions = {
  /** Deployment environment variables (what `npx convex env set` holds), visible to functions as process.env. */
  env?: Record<string, string>;
  /** Run crons at their own intervals; tests turn this off and call runCrons() when they want. */
  runCronsOnSchedule?: boolean;
  /** The deployment's log: what crons and scheduled functions print, and their failures. Dropped if absent. */
  log?: (line: string) => void;
};

// How often to look for finished scheduled functions while some are pending.
const SCHEDULED_POLL_MS = 50;

/**
 * An in-memory Convex deployment: the app's functions on convex-test, a
 * commit timestamp per mutation, and subscribers told after every commit.
 */
export class LocalDeployment {
  private tail: Promise<unknown> = Promise.resolve();
  private lastTs = 0n;
  private readonly subscribers = new Set<Subscriber>();
  private readonly cronTimers: NodeJS.Timeout[] = [];
  private finishedJobs = 0;
  private scheduledWatch: Promise<void> | null = null;
  private scheduledCheckRequested = false;
  private closed = false;

  private constructor(
    private readonly t: NodeTestConvex,
    private readonly runner: FunctionRunner,
    private readonly crons: IntervalCron[],
    private readonly env: Record<string, string>,
    private readonly log: (line: string) => void,
  ) {
    this.nextTs();
  }

  static async create(options: DeploymentOptions = {}): Promise<LocalDeployment> {
    const t = await createNodeTestConvex();
    const crons = intervalCrons((await loadConvexModule("crons"))?.default as Crons | undefined);
    const log = options.log ?? (() => {});
    const deployment = new LocalDeployment(t, new FunctionRunner(t, loadConvexModule, log), crons, options.env ?? {}, log);
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
   */
  mutation(
    udfPath: string,
    jsonArgs: JSONValue,
    options: { caller?: Caller; onResult?: (outcome: MutationOutcome) => void } = {},
  ): Promise<MutationOutcome> {
    return this.serialized(async () => {
      const outcome = await this.runner.run("mutation", udfPath, jsonArgs, options.caller);
      if (!outcome.success) {
        options.onResult?.(outcome);
        return outcome;
      }
      const committed = { ...outcome, ts: this.nextTs() };
      options.onResult?.(committed);
      await this.publish(committed.ts);
      return committed;
    }).finally(() => this.watchScheduledJobs());
  }

  /** Runs an action outside the commit order (its mutations commit on their own), then publishes. */
  async action(udfPath: string, jsonArgs: JSONValue, caller: Caller = "client"): Promise<Outcome> {
    const outcome = await this.runner.run("action", udfPath, jsonArgs, caller);
    await this.serialized(() => this.publish(this.nextTs()));
    this.watchScheduledJobs();
    return outcome;
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
    const { logLines } = await this.serialized(() => collectLogs(() => this.t.run(body), this.log));
    await this.serialized(() => this.publish(this.nextTs()));
    this.watchScheduledJobs();
    return logLines;
  }

  /** Runs every cron job once, now, and waits for the work it schedules. */
  async runCrons(): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    for (const cron of this.crons) outcomes.push(await this.runCron(cron));
    await this.settled();
    return outcomes;
  }

  /** Resolves once no commit is queued and no scheduled function is pending. */
  async settled(): Promise<void> {
    while (this.scheduledWatch !== null) await this.scheduledWatch;
    await this.serialized(async () => {});
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.cronTimers) clearInterval(timer);
    await this.settled();
    for (const key of Object.keys(this.env)) delete process.env[key];
  }

  private async runCron(cron: IntervalCron): Promise<Outcome> {
    const kind = await this.runner.kindOf(cron.udfPath, "deployment");
    const outcome =
      kind === "action"
        ? await this.action(cron.udfPath, cron.args, "deployment")
        : await this.mutation(cron.udfPath, cron.args, { caller: "deployment" });
    for (const line of outcome.logLines) this.log(`cron "${cron.id}": ${line}`);
    if (!outcome.success) this.log(`cron "${cron.id}" failed: ${outcome.errorMessage}`);
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

  /**
   * Scheduled functions run on convex-test's own timers, outside the commit
   * order: while any is pending, look for newly finished ones and publish.
   */
  private watchScheduledJobs(): void {
    this.scheduledCheckRequested = true;
    this.scheduledWatch ??= (async () => {
      while (!this.closed) {
        this.scheduledCheckRequested = false;
        const jobs = await this.scheduledJobs();
        if (jobs.finished !== this.finishedJobs) {
          this.finishedJobs = jobs.finished;
          await this.serialized(() => this.publish(this.nextTs()));
        }
        if (jobs.pending === 0 && !this.scheduledCheckRequested) return;
        await delay(SCHEDULED_POLL_MS);
      }
    })().finally(() => {
      this.scheduledWatch = null;
    });
  }

  private async scheduledJobs(): Promise<{ pending: number; finished: number }> {
    return await this.t.run(async (ctx) => {
      const jobs = await ctx.db.system.query("_scheduled_functions").collect();
      const pending = jobs.filter(({ state }) => state.kind === "pending" || state.kind === "inProgress").length;
      return { pending, finished: jobs.length - pending };
    });
  }
}
