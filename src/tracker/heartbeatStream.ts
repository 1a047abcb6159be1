import { HEARTBEAT_DEBOUNCE_MS, HEARTBEAT_INTERVAL_MS } from "../shared/config.js";
import { serverRefusal } from "./serverRefusal.js";
import type { TabChannel } from "./tabChannel.js";

/**
 * A tab claims the lead when the visitor looks at it; the newest claim wins
 * everywhere (ties broken by tab id), and a leader that closes or is hidden resigns.
 */
export type LeaderMessage = { type: "claim"; tabId: string; at: number } | { type: "resign"; tabId: string };

type Claim = { at: number; tabId: string };

function isNewer(a: Claim, b: Claim): boolean {
  return a.at !== b.at ? a.at > b.at : a.tabId > b.tabId;
}

/**
 * One browser's stream of heartbeats. Only the leading tab sends, so the
 * stream follows the most recently focused tab; it pauses while that tab is
 * hidden. Each send is the path now, every HEARTBEAT_INTERVAL_MS, at once
 * on a path change and as the leading tab hides (so a visit lasts until its
 * reader looked away), never the same path twice within HEARTBEAT_DEBOUNCE_MS,
 * never two at a time; after a rate limit, the next scheduled beat waits for its retryAfter.
 */
export class HeartbeatStream {
  #path: string | null = null;
  #running = false;
  #attached = false;
  #claim: Claim | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #inFlight = false;
  #queued = false;
  #lastSent: { path: string; at: number } | null = null;
  #channel: TabChannel<LeaderMessage> | null = null;
  #unsubscribe: (() => void) | null = null;

  readonly #tabId: string;
  readonly #send: (path: string) => Promise<unknown>;
  readonly #openChannel: () => TabChannel<LeaderMessage> | null;

  constructor(tabId: string, send: (path: string) => Promise<unknown>, openChannel: () => TabChannel<LeaderMessage> | null) {
    this.#tabId = tabId;
    this.#send = send;
    this.#openChannel = openChannel;
  }

  start(path: string): void {
    if (this.#running) return;
    this.#running = true;
    this.#path = path;
    if (!this.#attached) this.#attach();
    if (isVisible()) this.#claimLead();
  }

  /** The visitor moved within this tab: report it at once (this tab is the one in use). */
  setPath(path: string): void {
    if (!this.#running || path === this.#path) return;
    this.#path = path;
    if (isVisible()) this.#claimLead();
  }

  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    // Deferred, so an immediate restart (StrictMode's double effects) keeps the channel and the lead.
    queueMicrotask(() => {
      if (!this.#running) this.#detach();
    });
  }

  #attach(): void {
    this.#attached = true;
    this.#channel = this.#openChannel();
    this.#unsubscribe = this.#channel?.subscribe((message) => this.#onMessage(message)) ?? null;
    document.addEventListener("visibilitychange", this.#onVisibilityChange);
    window.addEventListener("focus", this.#claimLead);
    window.addEventListener("pagehide", this.#resign);
    window.addEventListener("pageshow", this.#onVisibilityChange);
  }

  #detach(): void {
    this.#resign();
    this.#attached = false;
    document.removeEventListener("visibilitychange", this.#onVisibilityChange);
    window.removeEventListener("focus", this.#claimLead);
    window.removeEventListener("pagehide", this.#resign);
    window.removeEventListener("pageshow", this.#onVisibilityChange);
    this.#unsubscribe?.();
    this.#channel?.close();
    this.#channel = null;
  }

  #claimLead = (): void => {
    if (!this.#running) return;
    this.#claim = { at: Date.now(), tabId: this.#tabId };
    this.#channel?.post({ type: "claim", ...this.#claim });
    this.#beat();
  };

  #resign = (): void => {
    if (this.#claim === null) return;
    this.#claim = null;
    clearTimeout(this.#timer);
    this.#channel?.post({ type: "resign", tabId: this.#tabId });
  };

  #onVisibilityChange = (): void => {
    if (isVisible()) return this.#claimLead();
    // The time read until now, then the lead goes to a tab still visible (another window), or pauses until one is.
    this.#beat();
    this.#resign();
  };

  #onMessage(message: LeaderMessage): void {
    if (message.type === "claim") {
      if (this.#claim !== null && isNewer(message, this.#claim)) {
        this.#claim = null;
        clearTimeout(this.#timer);
      }
    } else if (this.#claim === null && isVisible()) {
      this.#claimLead();
    }
  }

  #beat(): void {
    if (!this.#running || this.#claim === null || this.#path === null) return;
    this.#scheduleNext();
    if (this.#inFlight) {
      this.#queued = true;
      return;
    }
    const path = this.#path;
    const now = Date.now();
    if (this.#lastSent?.path === path && now - this.#lastSent.at < HEARTBEAT_DEBOUNCE_MS) return;
    this.#lastSent = { path, at: now };
    this.#inFlight = true;
    this.#send(path).then(
      () => {
        this.#inFlight = false;
        if (this.#queued) {
          this.#queued = false;
          this.#beat();
        }
      },
      (error) => {
        // Analytics never breaks the site: drop the failure; the next scheduled beat tries again.
        this.#inFlight = false;
        this.#queued = false;
        // Rate limited for longer than the interval: the next scheduled beat waits for the server's retryAfter.
        const wait = serverRefusal(error).retryAfter ?? 0;
        if (wait > HEARTBEAT_INTERVAL_MS) this.#scheduleNext(wait);
      },
    );
  }

  #scheduleNext(delay = HEARTBEAT_INTERVAL_MS): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#beat(), delay);
  }
}

function isVisible(): boolean {
  return document.visibilityState !== "hidden";
}
