import { TOKEN_PARAM } from "../lib/shareToken";
import { useSearchParams } from "../router";

/** The share link's token in the URL (`/stats?token=…`), or null: what every stats query passes on. */
export function useShareToken(): string | null {
  return useSearchParams().get(TOKEN_PARAM) || null;
}
