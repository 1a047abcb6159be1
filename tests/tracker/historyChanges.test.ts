import { afterEach, expect, test, vi } from "vitest";
import { onHistoryChange } from "../../src/tracker/historyChanges";

afterEach(() => {
  History.prototype.replaceState.call(history, null, "", "/");
});

test("calls back after pushState, replaceState and popstate, with the new location already in place; no longer once stopped", () => {
  const seen: string[] = [];
  const stop = onHistoryChange(() => seen.push(location.pathname + location.search));
  history.pushState(null, "", "/a");
  history.replaceState(null, "", "/a?b=1");
  History.prototype.replaceState.call(history, null, "", "/back");
  dispatchEvent(new PopStateEvent("popstate"));
  expect(seen).toEqual(["/a", "/a?b=1", "/back"]);

  stop();
  history.pushState(null, "", "/c");
  dispatchEvent(new PopStateEvent("popstate"));
  expect(seen).toEqual(["/a", "/a?b=1", "/back"]);
  // The methods still work, for the page's own code.
  expect(location.pathname).toBe("/c");
});

test("several listeners each hear every change; the methods keep their state argument", () => {
  const first = vi.fn();
  const second = vi.fn();
  const stopFirst = onHistoryChange(first);
  const stopSecond = onHistoryChange(second);
  history.pushState({ step: 1 }, "", "/one");
  expect(history.state).toEqual({ step: 1 });
  expect(first).toHaveBeenCalledTimes(1);
  expect(second).toHaveBeenCalledTimes(1);
  stopFirst();
  history.pushState(null, "", "/two");
  expect(first).toHaveBeenCalledTimes(1);
  expect(second).toHaveBeenCalledTimes(2);
  stopSecond();
});
