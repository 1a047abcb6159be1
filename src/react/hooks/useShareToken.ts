import { useSearchParams } from "react-router-dom";
import { TOKEN_PARAM } from "../lib/shareToken";

/** The share link's token in the URL (`/stats?token=…`), or null: what every stats query passes on. */
export function useShareToken(): string | null {
  const [params] = useSearchParams();
  return params.get(TOKEN_PARAM) || null;
}
