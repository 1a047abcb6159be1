import { AsyncLocalStorage } from "node:async_hooks";
import { inspect } from "node:util";

// What Convex functions print goes back to the calling client as logLines ("[LOG] 'text'"),
// as a deployment does; lines of scheduled functions and crons go to the deployment's log.

const LEVELS: Record<string, string> = { log: "LOG", info: "INFO", warn: "WARN", error: "ERROR", debug: "DEBUG" };

type Capture = { lines: string[]; open: boolean; log: (line: string) => void };
const captures = new AsyncLocalStorage<Capture>();

function formatLine(level: string, args: unknown[]): string {
  return `[${level}] ${args.map((arg) => (typeof arg === "string" ? `'${arg}'` : inspect(arg))).join(" ")}`;
}

const serverConsole = globalThis.console;
globalThis.console = new Proxy(serverConsole, {
  get(target, key, receiver) {
    const level = typeof key === "string" ? LEVELS[key] : undefined;
    const method = Reflect.get(target, key, receiver);
    if (level === undefined) return method;
    return (...args: unknown[]) => {
      const capture = captures.getStore();
      if (capture === undefined) return method.apply(target, args);
      const line = formatLine(level, args);
      // Work a call scheduled runs after its reply went out: it belongs to the deployment's log.
      // The log runs outside the capture, so its own console output reaches the console (routed
      // back into the log, it would recurse forever).
      if (capture.open) capture.lines.push(line);
      else captures.exit(() => capture.log(line));
    };
  },
});

/** Runs `call`, returning what the functions it runs logged; later lines from work it scheduled go to `log`. */
export async function collectLogs<T>(call: () => Promise<T>, log: (line: string) => void): Promise<{ result: T; logLines: string[] }> {
  const capture: Capture = { lines: [], open: true, log };
  try {
    return { result: await captures.run(capture, call), logLines: capture.lines };
  } finally {
    capture.open = false;
  }
}
