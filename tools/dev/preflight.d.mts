// Types for preflight.mjs (plain JavaScript, so `node` runs it without a build step).
export declare const CONVEX_HOST: string;
export declare const LOOKUP_TIMEOUT_MS: number;
export declare const OFFLINE_MESSAGE: string;
export declare function offlineNotice(options?: {
  lookup?: (host: string) => Promise<unknown>;
  host?: string;
  timeoutMs?: number;
}): Promise<string | null>;
