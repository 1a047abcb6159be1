import { internalMutation, internalQuery } from "./_generated/server.js";
import * as Worker from "./derive/worker.js";

// The stats worker's two halves (component/derive/worker.ts): visitors' mutations ping it; batch-worker runs these in a loop.

const { vQueryArgs, vQueryReturns, vMutationArgs, vMutationReturns } = Worker.workerValidators;

/** What committed since the worker's cursor, read from a snapshot. */
export const nextBatch = internalQuery({
  args: vQueryArgs,
  returns: vQueryReturns,
  handler: async (ctx, { cursor }) => await Worker.nextBatch(ctx, cursor, Date.now()),
});

/** Folds a batch into every aggregate and derived table. */
export const foldBatch = internalMutation({
  args: vMutationArgs,
  returns: vMutationReturns,
  handler: async (ctx, batch) => await Worker.foldBatch(ctx, batch, Date.now()),
});
