const STORAGE_KEY = "convex-live-stats:session";
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** `shared`: kept in localStorage, so every tab of this browser has the same id. */
export type Session = { id: string; shared: boolean };

// The per-tab fallback outlives remounts of the app, so one tab stays one visitor.
let tabSessionId: string | null = null;

/**
 * The visitor's random id: nothing about the person, no cookie. Kept in
 * localStorage; where that is unavailable (private mode, blocked), per tab.
 */
export function loadSession(): Session {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored !== null && UUID_V4.test(stored)) return { id: stored, shared: true };
    const id = randomUuid();
    localStorage.setItem(STORAGE_KEY, id);
    return { id, shared: true };
  } catch {
    tabSessionId ??= randomUuid();
    return { id: tabSessionId, shared: false };
  }
}

/** A random v4 UUID. Not crypto.randomUUID: it exists only in secure contexts, and the script tag also runs on plain-http pages. */
export function randomUuid(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return hex.replace(/(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-");
}
