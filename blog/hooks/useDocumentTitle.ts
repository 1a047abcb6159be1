import { useEffect } from "react";

export const SITE_NAME = "Live Stats";

/** "Post title · Live Stats", or the site name alone. */
export function useDocumentTitle(title: string | null): void {
  useEffect(() => {
    document.title = title ? `${title} · ${SITE_NAME}` : SITE_NAME;
  }, [title]);
}
