import { createContext, useContext, useEffect } from "react";
import { useLocation } from "react-router-dom";
import type { PageType } from "../../src/shared/config";

export type DeclaredPageType = { path: string; pageType: PageType };

/** Set by the app root, which hands the current page's type to the tracker. */
export const DeclarePageTypeContext = createContext<(declared: DeclaredPageType) => void>(() => {});

/** A route says what kind of page it is showing once it knows (null while its content loads). */
export function useDeclarePageType(pageType: PageType | null): void {
  const declare = useContext(DeclarePageTypeContext);
  const { pathname } = useLocation();
  useEffect(() => {
    if (pageType !== null) declare({ path: pathname, pageType });
  }, [declare, pathname, pageType]);
}
