import { TOKEN_PARAM } from "../lib/shareToken.js";
import { useSearchParams } from "../router.js";

/** The share link's token in the URL (`/stats?token=…`), or null: what every stats query passes on. */
export function useShareToken(): string | null {
  return useSearchParams().get(TOKEN_PARAM) || null;
}
