import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { COUNT_AUTOMATION_STORAGE_KEY } from "../../src/shared/config";
import { loadScriptTag, scriptTagPage } from "./scriptTag";

// This file runs at the test environment's own URL, http://localhost:3000.

let page: ReturnType<typeof scriptTagPage>;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  localStorage.setItem(COUNT_AUTOMATION_STORAGE_KEY, "true");
  page = scriptTagPage();
});

afterEach(() => {
  page.restore();
  vi.clearAllTimers();
  vi.useRealTimers();
  localStorage.clear();
});

test("on localhost the script sends nothing, unless data-allow-localhost says so", async () => {
  expect(location.hostname).toBe("localhost");
  await loadScriptTag({ "data-api": "https://happy-animal-123.convex.site" });
  await vi.advanceTimersByTimeAsync(0);
  expect(page.sent).toEqual([]);

  await loadScriptTag({ "data-api": "https://happy-animal-123.convex.site", "data-allow-localhost": "true" });
  await vi.advanceTimersByTimeAsync(0);
  expect(page.events().map((event) => event.type)).toEqual(["pageview", "heartbeat"]);
});
