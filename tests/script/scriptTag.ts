import { readFileSync } from "node:fs";
import path from "node:path";
import { vi } from "vitest";
import type { TrackingEvent } from "../../src/component/record/events";
import type { TrackEvent } from "../../src/tracker/customEvents";

/** What the page's fetch and sendBeacon were given, as the server would read it, and when (the test's clock). */
export type Sent = { via: "fetch" | "beacon"; at: number; url: string; event: TrackingEvent; init?: RequestInit };

/**
 * A page for the script tag: fetch answers each call with the next queued
 * response (202 when none is queued), sendBeacon accepts, and both record what
 * they were sent. `restore` removes every listener the tracker added and its
 * history wrappers, so tests do not see each other's trackers.
 */
export function scriptTagPage() {
  const sent: Sent[] = [];
  const responses: Response[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init: RequestInit) => {
      sent.push({ via: "fetch", at: Date.now(), url, event: JSON.parse(init.body as string), init });
      return responses.shift() ?? new Response(null, { status: 202 });
    }),
  );
  Object.defineProperty(navigator, "sendBeacon", {
    configurable: true,
    value: (url: string, body: string) => {
      sent.push({ via: "beacon", at: Date.now(), url, event: JSON.parse(body) });
      return true;
    },
  });
  const listeners: [EventTarget, string, EventListenerOrEventListenerObject][] = [];
  // The tracker calls the global addEventListener, which the test environment may bind apart from window's.
  for (const target of new Set<EventTarget>([globalThis, window, document])) {
    const add = target.addEventListener.bind(target);
    vi.spyOn(target, "addEventListener").mockImplementation((type, listener, options) => {
      if (listener) listeners.push([target, type, listener]);
      add(type, listener, options);
    });
  }
  return {
    sent,
    /** The events sent so far, in order. */
    events: () => sent.map(({ event }) => event),
    respond: (...queued: Response[]) => responses.push(...queued),
    restore() {
      for (const [target, type, listener] of listeners) target.removeEventListener(type, listener);
      // The tracker wraps history's own methods on the instance; the prototype's stay untouched.
      Reflect.deleteProperty(history, "pushState");
      Reflect.deleteProperty(history, "replaceState");
      Reflect.deleteProperty(navigator, "sendBeacon");
      Reflect.deleteProperty(window, "liveStats");
      vi.unstubAllGlobals();
      vi.restoreAllMocks();
    },
  };
}

/** Changes the URL as a browser's back button does: no pushState, then popstate. */
export function goBackTo(url: string) {
  History.prototype.replaceState.call(history, null, "", url);
  window.dispatchEvent(new PopStateEvent("popstate"));
}

export function setVisibility(state: DocumentVisibilityState) {
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
  document.dispatchEvent(new Event("visibilitychange"));
}

/** Runs the built entry (src/script/main.ts) as a `<script>` tag with these attributes would. */
export async function loadScriptTag(attributes: Record<string, string>) {
  const script = document.createElement("script");
  for (const [name, value] of Object.entries(attributes)) script.setAttribute(name, value);
  Object.defineProperty(document, "currentScript", { configurable: true, get: () => script });
  vi.resetModules();
  try {
    await import("../../src/script/main");
  } finally {
    Reflect.deleteProperty(document, "currentScript");
  }
}

/** The page's `window.liveStats(name, options)`. */
export const liveStats: TrackEvent = (...args) => (window as unknown as { liveStats: TrackEvent }).liveStats(...args);

/** Runs the one-line stub prds/script.md tells a site to put before the tag, as the page would. */
export function runQueueStub() {
  const stub = /<script>(window\.liveStats=.*?)<\/script>/.exec(readFileSync(path.join(import.meta.dirname, "../../prds/script.md"), "utf8"));
  if (stub === null) throw new Error("prds/script.md gives no window.liveStats stub");
  new Function(stub[1])();
}
