import { AsyncLocalStorage, AsyncResource } from "node:async_hooks";
import { promisify } from "node:util";
import { backendClock } from "./clock";

/**
 * Scheduled functions on the backend clock. convex-test runs each scheduled
 * function from a plain setTimeout of (scheduledTime - Date.now()) real
 * milliseconds, so a job scheduled a minute ahead would still wait a real
 * minute after a test moved the clock past it. Timers that a deployment's
 * functions start (convex-test's scheduler is the only code that starts any
 * there) are diverted to that deployment's BackendTimers instead, which fires
 * them when the backend clock reaches their time: as time passes, or at once
 * when the clock jumps past it.
 *
 * Due jobs run one at a time, in order of their time, each finishing before
 * the next starts, the way a deployment's scheduler would run them after a
 * pause. That order matters to @convex-dev/batch-worker: its monitor, due a
 * minute after the loop's next run, must find the loop has already run.
 */

// setTimeout cannot wait longer than this (about 24.8 days); a longer wait is re-armed when it ends.
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

type Timer = { due: number; fire: () => void };

/** What setTimeout returns for a diverted timer: enough of Node's Timeout for callers that keep or clear it. */
class BackendTimeout {
  constructor(
    readonly owner: BackendTimers,
    readonly timer: Timer,
  ) {}
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  hasRef(): boolean {
    return false;
  }
  refresh(): this {
    return this;
  }
  // No numeric id: clearTimeout(number) would reach Node's own timers.
}

const owners = new AsyncLocalStorage<BackendTimers>();
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

type SetTimeout = (callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => unknown;

function divertingSetTimeout(callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): unknown {
  const owner = owners.getStore();
  if (owner === undefined || typeof callback !== "function") return (realSetTimeout as unknown as SetTimeout)(callback, ms, ...args);
  return owner.schedule(() => callback(...args), Number(ms) || 0);
}
Object.assign(divertingSetTimeout, { [promisify.custom]: (realSetTimeout as unknown as Record<symbol, unknown>)[promisify.custom] });

function divertingClearTimeout(handle: unknown): void {
  if (handle instanceof BackendTimeout) handle.owner.clear(handle.timer);
  else realClearTimeout(handle as NodeJS.Timeout);
}

// Outside a deployment's calls these are Node's own; convex-test, which proxies these globals,
// keeps what is assigned here as the value seen outside its handlers.
globalThis.setTimeout = divertingSetTimeout as unknown as typeof globalThis.setTimeout;
globalThis.clearTimeout = divertingClearTimeout as typeof globalThis.clearTimeout;

export type BackendTimersHooks = {
  /** Resolves once the scheduled functions started so far have finished (convex-test's in-flight jobs). */
  finished: () => Promise<void>;
  /** Called after each fired timer's function has finished, to publish what it committed. */
  onFinished: () => void;
  /** Where a timer callback's own failure is reported. */
  log: (line: string) => void;
};

/** One deployment's scheduled-function timers, on the backend clock. */
export class BackendTimers {
  // Sorted by due time, then by the order they were set.
  private timers: Timer[] = [];
  private wakeup: NodeJS.Timeout | null = null;
  private dispatching: Promise<void> | null = null;
  private disposed = false;
  private readonly stopFollowingClock: () => void;
  // Bound where the deployment was created, so dispatching never runs inside whichever call last set a timer.
  private readonly wake = AsyncResource.bind(() => {
    this.wakeup = null;
    this.dispatch();
  });

  constructor(private readonly hooks: BackendTimersHooks) {
    this.stopFollowingClock = backendClock.onJump(() => this.arm());
  }

  /** Runs `call` so that the timers it (and the work it schedules) sets are this deployment's. */
  run<T>(call: () => T): T {
    return owners.run(this, call);
  }

  /** How many timers are waiting to fire (some may be for jobs canceled since). */
  get waiting(): number {
    return this.timers.length;
  }

  /** Resolves once no fired timer's function is still running. */
  async idle(): Promise<void> {
    while (this.dispatching !== null) await this.dispatching;
  }

  /**
   * Fires the timers that are due now and waits for their functions to finish, without
   * waiting for the event loop to come round: a caller that keeps the process busy (a
   * replay moving the clock from call to call) lets the scheduled work catch up.
   */
  async runDue(): Promise<void> {
    const first = this.timers[0];
    if (this.dispatching === null && first !== undefined && first.due <= backendClock.now()) {
      // The real timeout armed for it would dispatch a second time.
      if (this.wakeup !== null) realClearTimeout(this.wakeup);
      this.wake();
    }
    await this.idle();
  }

  /** Drops every waiting timer and fires none from now on: the deployment is gone. */
  dispose(): void {
    this.disposed = true;
    this.timers = [];
    this.stopFollowingClock();
    this.arm();
  }

  schedule(callback: () => void, ms: number): BackendTimeout {
    // The callback runs in the context that set it, so what it logs goes where the scheduling call's later lines go.
    const timer: Timer = { due: backendClock.now() + Math.max(0, ms), fire: AsyncResource.bind(callback) };
    if (!this.disposed) {
      const at = this.timers.findIndex((other) => other.due > timer.due);
      this.timers.splice(at === -1 ? this.timers.length : at, 0, timer);
      this.arm();
    }
    return new BackendTimeout(this, timer);
  }

  clear(timer: Timer): void {
    const at = this.timers.indexOf(timer);
    if (at === -1) return;
    this.timers.splice(at, 1);
    this.arm();
  }

  /** One real timeout, for the earliest timer; re-armed whenever the clock jumps or the earliest changes. */
  private arm(): void {
    if (this.wakeup !== null) realClearTimeout(this.wakeup);
    this.wakeup = null;
    const first = this.timers[0];
    if (this.disposed || this.dispatching !== null || first === undefined) return;
    const wait = Math.min(MAX_TIMEOUT_MS, Math.max(0, first.due - backendClock.now()));
    this.wakeup = realSetTimeout(this.wake, wait);
    // Waiting jobs alone do not keep the process alive; the server does, while it runs.
    this.wakeup.unref();
  }

  /** Fires every due timer in order, waiting for each one's function to finish before the next. */
  private dispatch(): void {
    this.dispatching = (async () => {
      for (;;) {
        const next = this.timers[0];
        if (this.disposed || next === undefined || next.due > backendClock.now()) return;
        this.timers.shift();
        try {
          next.fire();
        } catch (error) {
          this.hooks.log(`[ERROR] a scheduled function's timer failed: ${String(error)}`);
        }
        await this.hooks.finished();
        this.hooks.onFinished();
      }
    })().finally(() => {
      this.dispatching = null;
      this.arm();
    });
  }
}
