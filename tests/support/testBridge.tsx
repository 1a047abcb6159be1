import type { ReactNode } from "react";
import { cleanup } from "@testing-library/react";
import { afterEach, vi } from "vitest";
import { ConvexProvider, type ConvexReactClient } from "convex/react";
import { getFunctionName, type FunctionArgs, type FunctionReference } from "convex/server";
import { convexToJson, type Value } from "convex/values";
import { api } from "../../convex/_generated/api";
import { components, internal } from "../../src/component/_generated/api";
import { STATS_WORKER_NAME, WORKER_DEBOUNCE_MS } from "../../src/shared/config";
import { createTestConvex, type TestConvex } from "./convex";
import { STATS_SITES, type StatsCtx } from "./convexBackend";
import { settle } from "./worker";

type Listener = () => void;
type WatchState = {
  query: FunctionReference<"query">;
  args: Record<string, Value>;
  listeners: Set<Listener>;
  result: { value: unknown } | { error: Error } | undefined;
  runs: number;
};

/** How often, in real time, the bridge looks whether the worker has caught up. */
const REAL_POLL_MS = 10;
/** How long, in real time, the bridge waits for the worker before it gives up (it runs every WORKER_DEBOUNCE_MS). */
const REAL_WAIT_LIMIT_MS = 15_000;

// Captured before any test fakes timers, so the bridge's own waits are always in real time.
const realSetTimeout = globalThis.setTimeout.bind(globalThis);
const sleepReal = (ms: number) => new Promise((resolve) => realSetTimeout(resolve, ms));

/**
 * What ConvexProvider's hooks need of a client (`watchQuery`, `mutation`),
 * served by the real Convex functions in convex-test. Every mutation re-runs
 * the watched queries, as the Convex backend pushes new results, so a test
 * sees the UI follow the data.
 *
 * Figures come from the stats worker, which folds what visitors append in
 * scheduled runs (src/component/worker.ts, one worker per site), so the bridge also drives scheduled
 * functions, the way a deployment's clock would, and never faster:
 * - with real timers, scheduled runs fire on their own; after each mutation the
 *   bridge waits in the background (tracked by `settled()`) until the worker
 *   has folded everything, then re-runs the watched queries;
 * - with fake timers, time is the test's: the bridge only finishes the runs
 *   that are already due and never moves the clock by itself. `runWorker()`
 *   moves it (in small steps, as `settle` in ./worker.ts does) until the
 *   worker has folded everything.
 */
export class ConvexTestBridge {
  private readonly watches = new Map<string, WatchState>();
  /** Every subscription the app has made, in order (a question asked at its own pace is held only until it answers). */
  private readonly asked: { name: string; args: Record<string, Value> }[] = [];
  /** Every mutation the app (or the test) sent, in order. */
  readonly mutations: { name: string; args: Record<string, Value> }[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  /** Queries made to fail on purpose, by function name (see `failQuery`). */
  private readonly failing = new Map<string, Error>();
  /** Queries whose answers are rewritten on purpose, by function name (see `rewriteQuery`). */
  private readonly rewriting = new Map<string, (answer: never) => unknown>();
  /** The background wait for the worker (real timers), and how many mutations asked for one. */
  private follower: Promise<void> | undefined;
  private followRequests = 0;
  /** Why the last background wait failed, reported by the next `settled()`. */
  private followFailure: unknown;

  constructor(readonly t: TestConvex = createTestConvex()) {}

  watchQuery(query: FunctionReference<"query">, args: Record<string, Value> = {}) {
    const key = `${getFunctionName(query)}:${JSON.stringify(convexToJson(args))}`;
    return {
      onUpdate: (listener: Listener) => {
        let watch = this.watches.get(key);
        if (watch === undefined) {
          watch = { query, args, listeners: new Set(), result: undefined, runs: 0 };
          this.watches.set(key, watch);
          this.asked.push({ name: getFunctionName(query), args });
          void this.track(this.run(watch));
        }
        watch.listeners.add(listener);
        return () => {
          watch.listeners.delete(listener);
          if (watch.listeners.size === 0) this.watches.delete(key);
        };
      },
      localQueryResult: () => {
        const result = this.watches.get(key)?.result;
        if (result !== undefined && "error" in result) throw result.error;
        return result?.value;
      },
      journal: () => undefined,
    };
  }

  /** What `npm run sync` does: the content's rows through the secret-guarded sync mutation (not recorded as the app's mutations). */
  async syncContent(content: Pick<FunctionArgs<typeof api.content.syncBatch>, "posts" | "pages">): Promise<void> {
    vi.stubEnv("CONTENT_SYNC_SECRET", "s");
    try {
      await this.t.mutation(api.content.syncBatch, { secret: "s", ...content });
    } finally {
      vi.unstubAllEnvs();
    }
  }

  mutation(mutation: FunctionReference<"mutation">, args: Record<string, Value> = {}): Promise<unknown> {
    this.mutations.push({ name: getFunctionName(mutation), args });
    return this.track(
      (async () => {
        try {
          // `as never`: convex-test types its rest args per reference, which a generic reference cannot satisfy.
          return await this.t.mutation(mutation, ...([args] as never));
        } finally {
          await this.runDueFunctions();
          await this.refresh();
          this.followWorker();
        }
      })(),
    );
  }

  /**
   * Resolves once no mutation or query run is under way (including ones
   * started meanwhile), the scheduled functions that are due have run, and the
   * watched queries show their results. With real timers that includes the
   * worker folding everything sent so far; with fake timers it never moves the
   * clock (see `runWorker`).
   */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    await this.runDueFunctions();
    await this.refresh();
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    if (this.followFailure !== undefined) {
      const failure = this.followFailure;
      this.followFailure = undefined;
      throw failure;
    }
  }

  /**
   * Lets the stats worker fold everything sent so far, then re-runs the
   * watched queries. With fake timers this moves the clock, 100 ms at a time,
   * only as far as the worker needs to go idle (about its cooldown; never to
   * its monitor a minute ahead). With real timers it waits.
   */
  async runWorker(): Promise<void> {
    await this.settled();
    if (vi.isFakeTimers()) await settle(this.t);
    else await this.untilWorkerCaughtUp();
    await this.settled();
  }

  /**
   * Runs an internal mutation as a cron job would (not as a client: it is not
   * in `mutations`), then lets the work it schedules run (see `runWorker`).
   */
  async runCron(mutation: FunctionReference<"mutation", "internal">, args: Record<string, Value> = {}): Promise<void> {
    await this.t.mutation(mutation, ...([args] as never));
    await this.runWorker();
  }


  /**
   * Test-only: makes every run of one query, e.g. "stats:getActiveVisitors",
   * fail with `error` until `restoreQuery`, as a query that throws on the
   * server does (`useQuery` throws it). Re-runs the watched queries now.
   */
  async failQuery(name: string, error: Error = new Error(`${name} failed (made to fail by the test)`)): Promise<void> {
    this.failing.set(name, error);
    await this.refresh();
  }

  /**
   * Makes every watched query of function `name` answer `rewrite(its real
   * answer)` until `restoreQuery`, as a server answering so would (e.g. a
   * part of `rangeStats` refused). Re-runs the watched queries now.
   */
  async rewriteQuery<Answer>(name: string, rewrite: (answer: Answer) => unknown): Promise<void> {
    this.rewriting.set(name, rewrite as (answer: never) => unknown);
    await this.refresh();
  }

  /** Undoes `failQuery` and `rewriteQuery`: the query runs for real again. Re-runs the watched queries now. */
  async restoreQuery(name: string): Promise<void> {
    this.failing.delete(name);
    this.rewriting.delete(name);
    await this.refresh();
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    const forget = () => this.pending.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /** Mutations the app sent to one function, e.g. "stats:heartbeat". */
  sent(name: string) {
    return this.mutations.filter((m) => m.name === name).map((m) => m.args);
  }

  /** The arguments of the queries the app is subscribed to now, for one function, e.g. "stats:getActiveVisitors". */
  watchedArgs(name: string) {
    return [...this.watches.values()].filter((w) => getFunctionName(w.query) === name).map((w) => w.args);
  }

  /** The arguments of every subscription the app has made to one function, in order, held now or not. */
  askedArgs(name: string) {
    return this.asked.filter((ask) => ask.name === name).map((ask) => ask.args);
  }

  /** The functions the app is subscribed to now, one entry per subscription. */
  watchedQueries(): string[] {
    return [...this.watches.values()].map((w) => getFunctionName(w.query));
  }

  /** Re-runs every watched query and notifies the ones whose result changed. */
  async refresh(): Promise<void> {
    await Promise.all([...this.watches.values()].map((watch) => this.run(watch)));
  }

  /** Runs the scheduled functions that are due now; with fake timers, only those the clock has already reached. */
  private async runDueFunctions(): Promise<void> {
    await this.t.finishInProgressScheduledFunctions();
  }

  /**
   * With real timers, waits in the background until the worker has folded
   * what this mutation appended (and any sent meanwhile), then re-runs the
   * watched queries, as a deployment pushes new results. One wait at a time.
   */
  private followWorker(): void {
    if (vi.isFakeTimers()) return;
    this.followRequests++;
    if (this.follower !== undefined) return;
    this.follower = this.track(
      (async () => {
        try {
          let seen: number;
          do {
            seen = this.followRequests;
            await this.untilWorkerCaughtUp();
            await this.refresh();
          } while (seen !== this.followRequests);
        } catch (error) {
          this.followFailure = error;
        } finally {
          this.follower = undefined;
        }
      })(),
    );
  }

  /** Real timers: lets real time pass (the worker's runs fire on their own) until it has nothing left to fold. */
  private async untilWorkerCaughtUp(): Promise<void> {
    // Counted in polls, not read from Date, which a test may fake meanwhile.
    for (let waited = 0; waited <= REAL_WAIT_LIMIT_MS; waited += REAL_POLL_MS) {
      await this.t.finishInProgressScheduledFunctions();
      if (await this.workerCaughtUp()) return;
      await sleepReal(REAL_POLL_MS);
    }
    throw new Error(`the stats worker had not caught up after about ${REAL_WAIT_LIMIT_MS} ms of real time`);
  }

  /**
   * True when every site's worker (each stats component has its own) has nothing to fold soon: its own work
   * query, from its cursor, finds nothing (or it is not running, or its next run is further off than a debounce,
   * as while it waits out its unwatched cadence: waiting would not help).
   */
  private async workerCaughtUp(): Promise<boolean> {
    for (const site of STATS_SITES) {
      const caughtUp = await this.t.runInStats(async (ctx) => {
        const name = STATS_WORKER_NAME;
        const status = await ctx.runQuery(components.batchWorker.lib.status, { name });
        if (status?.kind !== "running") return true;
        const cursor = await ctx.runQuery(components.batchWorker.lib.getCursor, { name });
        const next = await ctx.runQuery(internal.worker.nextBatch, cursor === null ? { name } : { name, cursor });
        return next.kind !== "work";
      }, site);
      if (!caughtUp && (await this.nextWorkerRunAt(site)) - Date.now() <= WORKER_DEBOUNCE_MS) return false;
    }
    return true;
  }

  /** When a site's stats worker runs next: its earliest pending loop run (Infinity when none is pending). */
  private async nextWorkerRunAt(site: string): Promise<number> {
    const runInComponent = (this.t as unknown as { runInComponent: <T>(path: string, body: (ctx: StatsCtx) => Promise<T>) => Promise<T> }).runInComponent;
    return await runInComponent(`${site}/batchWorker`, async (ctx) => {
      let next = Infinity;
      for await (const job of ctx.db.system.query("_scheduled_functions")) {
        if (job.name.includes("loop") && job.state.kind === "pending") next = Math.min(next, job.scheduledTime);
      }
      return next;
    });
  }

  private async run(watch: WatchState): Promise<void> {
    const run = ++watch.runs;
    let result: WatchState["result"];
    try {
      const name = getFunctionName(watch.query);
      const failure = this.failing.get(name);
      if (failure !== undefined) throw failure;
      const value = await this.t.query(watch.query, ...([watch.args] as never));
      const rewrite = this.rewriting.get(name);
      result = { value: rewrite === undefined ? value : rewrite(value as never) };
    } catch (error) {
      result = { error: error as Error };
    }
    // A slower, older run must not overwrite a newer result.
    if (run !== watch.runs) return;
    // An unchanged result keeps its object, as Convex's client keeps a query's result until the server sends a new one.
    if (JSON.stringify(result) === JSON.stringify(watch.result) && !("error" in result)) return;
    watch.result = result;
    for (const listener of [...watch.listeners]) listener();
  }
}

export function ConvexTestProvider({ bridge, children }: { bridge: ConvexTestBridge; children: ReactNode }) {
  return <ConvexProvider client={bridge as unknown as ConvexReactClient}>{children}</ConvexProvider>;
}

/**
 * The afterEach of a test file that renders on a bridge made per test (`bridgeOf`): unmount, then `also` (the file's
 * own resets), let the bridge's calls settle, and put timers and stubbed env vars back.
 */
export function cleanUpAfterEach(bridgeOf: () => ConvexTestBridge, also?: () => void): void {
  afterEach(async () => {
    cleanup();
    also?.();
    await bridgeOf().settled();
    vi.useRealTimers();
    vi.unstubAllEnvs();
  });
}
