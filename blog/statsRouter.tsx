import { useMemo } from "react";
import { Link, useLocation, useNavigate } from "react-router-dom";
import type { StatsLinkProps, StatsRouter } from "../src/react";

/**
 * The dashboard's URL state through the blog's React Router: the query string it reads and writes
 * (range, filter, share token) and its links to the blog's pages, so both navigate in the app without a reload.
 */
export function useReactRouterStats(): StatsRouter {
  const { search } = useLocation();
  const navigate = useNavigate();
  return useMemo(
    () => ({
      search,
      navigate: (next, options) => navigate({ search: next }, { replace: options?.replace }),
      Link: RouterLink,
    }),
    [search, navigate],
  );
}

function RouterLink({ href, ...props }: StatsLinkProps) {
  return <Link to={href} {...props} />;
}
