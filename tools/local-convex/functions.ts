import { randomBytes } from "node:crypto";
import { ConvexError, convexToJson, jsonToConvex, type JSONValue, type Value } from "convex/values";
import { collectLogs } from "./functionLogs";
import type { NodeTestConvex } from "./nodeConvex";

export type FunctionKind = "query" | "mutation" | "action";
/** Clients may call only public functions; the deployment itself (crons, tests) may call internal ones too. */
export type Caller = "client" | "deployment";

export type Failure = { success: false; errorMessage: string; errorData?: JSONValue; logLines: string[] };
export type Outcome = { success: true; value: JSONValue; logLines: string[] } | Failure;
export type HttpOutcome = { success: true; response: Response; logLines: string[] } | Failure;

type RegisteredFunction = { isPublic?: boolean; isQuery?: boolean; isMutation?: boolean; isAction?: boolean };
/** Loads a module of the component at `componentPath` ("" is the app). */
type LoadModule = (componentPath: string, modulePath: string) => Promise<Record<string, unknown> | undefined>;
/** Where a function lives: its component ("" is the app) and its path in it. */
type FunctionPath = { componentPath: string; udfPath: string };
/** convex-test's calls by path (what `t.query(ref)` and the like resolve a reference to), untyped in its declarations. */
type CallsByPath = {
  queryFromPath(path: FunctionPath, args: Record<string, Value>): Promise<Value | undefined>;
  mutationFromPath(path: FunctionPath, args: Record<string, Value>): Promise<Value | undefined>;
  actionFromPath(path: FunctionPath, args: Record<string, Value>): Promise<Value | undefined>;
};

/** Raised by the deployment rather than by user code, so it is reported without "Uncaught". */
class DeploymentError extends Error {}

/** Convex's own normal form: "module:export", "module" meaning its default export, no ".js". */
export function canonicalUdfPath(udfPath: string): string {
  const colon = udfPath.lastIndexOf(":");
  const modulePath = colon === -1 ? udfPath : udfPath.slice(0, colon);
  const exportName = colon === -1 ? "default" : udfPath.slice(colon + 1);
  return `${modulePath.replace(/\.js$/, "")}:${exportName}`;
}

function registeredKind(fn: RegisteredFunction): FunctionKind | null {
  if (fn.isQuery) return "query";
  if (fn.isMutation) return "mutation";
  if (fn.isAction) return "action";
  return null;
}

const capitalized = (kind: FunctionKind) => kind[0].toUpperCase() + kind.slice(1);

/**
 * Runs the app's functions (and, for the deployment itself, a component's: its crons) on convex-test and
 * reports results and errors the way a Convex deployment does.
 */
export class FunctionRunner {
  constructor(
    private readonly t: NodeTestConvex,
    private readonly loadModule: LoadModule,
    /** The deployment's log, for lines printed by work that outlives the call that started it. */
    private readonly log: (line: string) => void,
    /** Runs each call inside the deployment's context (its scheduled functions' timers). */
    private readonly within: <T>(call: () => Promise<T>) => Promise<T> = (call) => call(),
  ) {}

  /** The kind of the function at `udfPath` (in the component at `componentPath`) if `caller` may call it, else null. */
  async kindOf(udfPath: string, caller: Caller, componentPath = ""): Promise<FunctionKind | null> {
    // Clients reach the app's functions only; a component's are the deployment's (its crons).
    if (componentPath !== "" && caller === "client") return null;
    const [modulePath, exportName] = canonicalUdfPath(udfPath).split(":");
    const fn = (await this.loadModule(componentPath, modulePath))?.[exportName] as RegisteredFunction | undefined;
    if (fn === undefined || (caller === "client" && !fn.isPublic)) return null;
    return registeredKind(fn);
  }

  /** Calls a function expected to be of `kind`, with Convex-JSON arguments, in the app or a component; never throws. */
  async run(kind: FunctionKind, udfPath: string, jsonArgs: JSONValue, caller: Caller = "client", componentPath = ""): Promise<Outcome> {
    const { result, logLines } = await this.within(() =>
      collectLogs(() => this.attempt(kind, { componentPath, udfPath: canonicalUdfPath(udfPath) }, jsonArgs, caller), this.log),
    );
    return { ...result, logLines };
  }

  /** Runs the HTTP action convex/http.ts routes the request to (convex-test answers 404 for no route); never throws. */
  async fetch(pathAndQuery: string, init: RequestInit): Promise<HttpOutcome> {
    const { result, logLines } = await this.within(() => collectLogs(() => this.attemptFetch(pathAndQuery, init), this.log));
    return { ...result, logLines };
  }

  private async attemptFetch(pathAndQuery: string, init: RequestInit): Promise<HttpOutcome> {
    try {
      return { success: true, response: await this.t.fetch(pathAndQuery, init), logLines: [] };
    } catch (error) {
      return failure(error);
    }
  }

  private async attempt(kind: FunctionKind, functionPath: FunctionPath, jsonArgs: JSONValue, caller: Caller): Promise<Outcome> {
    const path = functionPath.componentPath === "" ? functionPath.udfPath : `${functionPath.componentPath}/${functionPath.udfPath}`;
    try {
      const actualKind = await this.kindOf(functionPath.udfPath, caller, functionPath.componentPath);
      if (actualKind === null) return notFound(path);
      if (actualKind !== kind) {
        throw new DeploymentError(`Trying to execute ${path} as ${capitalized(kind)}, but it is defined as ${capitalized(actualKind)}.`);
      }
      const args = jsonToConvex(jsonArgs);
      if (args === null || typeof args !== "object" || Array.isArray(args) || args instanceof ArrayBuffer) {
        throw new DeploymentError(`ArgumentValidationError: the arguments of ${path} must be an object`);
      }
      const value: Value | undefined = await this.call(kind, functionPath, args as Record<string, Value>);
      return { success: true, value: convexToJson(value ?? null), logLines: [] };
    } catch (error) {
      return failure(error);
    }
  }

  /** What `t.query(ref)` and the like do once they have resolved the reference, for a path in any component. */
  private async call(kind: FunctionKind, path: FunctionPath, args: Record<string, Value>): Promise<Value | undefined> {
    const t = this.t as unknown as CallsByPath;
    switch (kind) {
      case "query":
        return await t.queryFromPath(path, args);
      case "mutation":
        return await t.mutationFromPath(path, args);
      case "action":
        return await t.actionFromPath(path, args);
    }
  }
}

/** What Convex answers for a function that does not exist or that a client may not call. */
export function notFound(udfPath: string): Failure {
  return failure(
    new DeploymentError(`Could not find public function for '${udfPath}'. Did you forget to run \`npx convex dev\` or \`npx convex deploy\`?`),
  );
}

/** A failed call as Convex reports it: a request id, the error, and a ConvexError's data. */
export function failure(error: unknown): Failure {
  const prefix = `[Request ID: ${randomBytes(8).toString("hex")}] Server Error\n`;
  if (error instanceof ConvexError) {
    const errorData = convexToJson(error.data);
    return { success: false, errorMessage: `${prefix}Uncaught ConvexError: ${error.message}`, errorData, logLines: [] };
  }
  if (error instanceof DeploymentError) return { success: false, errorMessage: prefix + error.message, logLines: [] };
  const { name, message } = error instanceof Error ? error : new Error(String(error));
  return { success: false, errorMessage: `${prefix}Uncaught ${name}: ${message}`, logLines: [] };
}
