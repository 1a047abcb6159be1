// Route changes of a single-page app without asking its router: history.pushState and replaceState
// (what client-side routers call) and popstate (Back and Forward).

/**
 * Calls `listener` after each pushState, replaceState and popstate; returns what stops it. The History
 * methods are wrapped for the page's life (each wrapper calls the method, then its listener while that
 * is on), so a router that kept a reference to them is never left with a stale one.
 */
export function onHistoryChange(listener: () => void): () => void {
  let on = true;
  const notify = () => on && listener();
  for (const method of ["pushState", "replaceState"] as const) {
    const original = history[method];
    history[method] = function (...args: Parameters<History["pushState"]>) {
      original.apply(this, args);
      notify();
    };
  }
  addEventListener("popstate", notify);
  return () => {
    on = false;
    removeEventListener("popstate", notify);
  };
}
