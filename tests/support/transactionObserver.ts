import type { Plugin } from "vite";
import { convexTestPatch, type Patch } from "./convexTestPatch";

/** Convex's per-transaction counters, as convex-test keeps them for the whole transaction (nested calls included). */
export type TransactionCounters = {
  bytesRead: number;
  bytesWritten: number;
  documentsRead: number;
  documentsWritten: number;
  databaseQueries: number;
  functionsScheduled: number;
  scheduledFunctionArgsBytes: number;
};

/** A document a committed transaction wrote: its component ("" is the app), id, and versions before and after (null: none). */
export type ObservedWrite = { component: string; id: string; before: unknown; after: unknown };

/**
 * One top-level function execution (a transaction of its own, as Convex bills a function call): where the
 * function lives, whether a scheduled job ran it, its counters and, for a committed mutation, what it wrote.
 * `udfPath` "custom" is a body the test itself ran (`t.run`, convex-test's own bookkeeping of scheduled jobs).
 */
export type ObservedTransaction = {
  componentPath: string;
  udfPath: string;
  kind: "query" | "mutation";
  scheduled: boolean;
  committed: boolean;
  counters: TransactionCounters;
  writes: ObservedWrite[];
};

/** What a test may hear of: every top-level transaction as it ends, and every job scheduled (its due time, ms). */
export type TransactionObserver = {
  transaction?: (transaction: ObservedTransaction) => void;
  scheduled?: (dueAt: number) => void;
};

type WithObserver = typeof globalThis & { __convexTestTransactionObserver?: Required<TransactionObserver> };

const observers = new Set<TransactionObserver>();

/**
 * Lets `observer` hear of every top-level transaction and scheduled job until the returned function is
 * called (several may listen at once). Needs the `observedTransactions()` plugin in the Vitest config.
 */
export function observeTransactions(observer: TransactionObserver): () => void {
  const global = globalThis as WithObserver;
  observers.add(observer);
  global.__convexTestTransactionObserver ??= {
    transaction: (transaction) => observers.forEach((each) => each.transaction?.(transaction)),
    scheduled: (dueAt) => observers.forEach((each) => each.scheduled?.(dueAt)),
  };
  return () => {
    observers.delete(observer);
    if (observers.size === 0) delete global.__convexTestTransactionObserver;
  };
}

/**
 * For cost benches only: convex-test keeps Convex's transaction counters per
 * transaction and drops them at its end. This plugin hands each top-level
 * transaction's counters (every function call: a visitor's mutation, a
 * scheduled run, a query), its writes and whether a scheduled job ran it to
 * `globalThis.__convexTestTransactionObserver`, and tells it when a job is
 * scheduled, so a bench can sum what every function cost, scheduled ones
 * included, and move a fake clock from one due job to the next. Nothing
 * changes while no observer is installed. It fails loudly if convex-test's
 * code changes.
 */
export function observedTransactions(): Plugin {
  return convexTestPatch("convex-test-observed-transactions", "tests/support/transactionObserver.ts", PATCHES);
}

const PATCHES: Patch[] = [
  // Two helpers beside the transaction manager: what a transaction did, read just before it ends and reported once it has.
  [
    `class TransactionManager {`,
    `function observedTransactionStart(functionPath, kind, requestMetadata) {
    const observer = globalThis.__convexTestTransactionObserver;
    if (!observer?.transaction) return null;
    const counters = { ...getTransactionManager().getMetricsTracker()._current().metrics };
    const writes = [];
    for (const [component, { db }] of Object.entries(getConvexGlobal().components)) {
        const layer = db._writes[db._writes.length - 1] ?? {};
        for (const id of Object.keys(layer)) writes.push({ component, id, before: db._documents[id] ?? null, after: null });
    }
    const scheduled = requestMetadata?.scheduledFunctionId != null;
    return { observer, transaction: { componentPath: functionPath.componentPath, udfPath: functionPath.udfPath, kind, scheduled, counters, writes } };
}
function observedTransactionEnd(observed, committed) {
    if (observed === null) return;
    const { observer, transaction } = observed;
    const components = getConvexGlobal().components;
    const writes = committed ? transaction.writes.map((write) => ({ ...write, after: components[write.component].db._documents[write.id] ?? null })) : [];
    observer.transaction({ ...transaction, committed, writes });
}
class TransactionManager {`,
  ],
  // A mutation: reported after it commits (its writes as committed), or after it rolls back (no writes).
  [
    `            const rawResult = await nestedTxStorage.run(childLock, invokeInContext);
            const commitTs = transactionManager.commit(isNested);`,
    `            const rawResult = await nestedTxStorage.run(childLock, invokeInContext);
            const observed = isNested ? null : observedTransactionStart(functionPath, "mutation", requestMetadata);
            const commitTs = transactionManager.commit(isNested);
            observedTransactionEnd(observed, true);`,
  ],
  [
    `        catch (e) {
            transactionManager.rollback(isNested);
            throw deserializeConvexErrorData(e);
        }`,
    `        catch (e) {
            const observed = isNested ? null : observedTransactionStart(functionPath, "mutation", requestMetadata);
            transactionManager.rollback(isNested);
            observedTransactionEnd(observed, false);
            throw deserializeConvexErrorData(e);
        }`,
  ],
  // A query: reported as it ends (it writes nothing).
  [
    `        finally {
            transactionManager.rollback(isNested);
        }`,
    `        finally {
            const observed = isNested ? null : observedTransactionStart(functionPath, "query", requestMetadata);
            transactionManager.rollback(isNested);
            observedTransactionEnd(observed, false);
        }`,
  ],
  // A scheduled job: its due time, so a bench can move the clock to it.
  [
    `                    scheduler.timerScheduled();`,
    `                    scheduler.timerScheduled();
                    globalThis.__convexTestTransactionObserver?.scheduled?.(tsInSecs * 1000);`,
  ],
];
