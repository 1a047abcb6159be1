import { StrictMode } from "react";
import { act, cleanup, render } from "@testing-library/react";
import { useMutation } from "convex/react";
import { ConvexError } from "convex/values";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../../../convex/_generated/api";
import { COUNT_AUTOMATION_STORAGE_KEY, EXCLUDE_ME_STORAGE_KEY } from "../../../src/shared/config";
import { useTrackEvent } from "../../../src/react/hooks/useTrackEvent";
import { FILE_DOWNLOAD_EVENT, NOT_FOUND_EVENT, OUTBOUND_LINK_EVENT, type AutomaticEvents, type TrackEvent } from "../../../src/tracker/customEvents";
import { loadSession } from "../../../src/tracker/session";
import { clickLink } from "../../tracker/clicks";

// The app's trackEvent mutation, as useMutation gives it: what it is called with is what the server would get.
vi.mock("convex/react", () => ({ useMutation: vi.fn() }));
const trackEvent = vi.fn();

let track: TrackEvent;

function Tracker(options: AutomaticEvents) {
  track = useTrackEvent(api.stats, options);
  return null;
}

// StrictMode at the root, as an app has it: its effects run twice.
function mount(options: AutomaticEvents = {}) {
  return render(
    <StrictMode>
      <Tracker {...options} />
    </StrictMode>,
  );
}

/** Lets the calls made through their promise happen. */
const settle = () => act(async () => {});

const names = () => trackEvent.mock.calls.map(([event]) => event.name);

beforeEach(() => {
  trackEvent.mockReset().mockResolvedValue({ recorded: true });
  vi.mocked(useMutation).mockReturnValue(trackEvent as unknown as ReturnType<typeof useMutation>);
  localStorage.clear();
  // happy-dom says it is automated (navigator.webdriver): these tests opt in as the page tracker's do.
  localStorage.setItem(COUNT_AUTOMATION_STORAGE_KEY, "true");
  history.replaceState(null, "", "/pricing");
});

afterEach(() => {
  cleanup();
  history.replaceState(null, "", "/");
});

describe("track", () => {
  test("calls trackEvent with the page tracker's session, the current path, the props as pairs, the revenue and the user agent", async () => {
    mount();
    expect(vi.mocked(useMutation)).toHaveBeenCalledWith(api.stats.trackEvent);
    history.pushState(null, "", "/checkout?step=2");
    track("Purchase", { props: { plan: "pro", $seats: 3, größe: true }, revenue: { amount: "29.99", currency: "EUR" } });
    track("Signup");
    await settle();
    const session = { sessionId: loadSession().id, userAgent: navigator.userAgent };
    expect(trackEvent.mock.calls).toEqual([
      [
        {
          ...session,
          name: "Purchase",
          path: "/checkout",
          props: [
            { key: "plan", value: "pro" },
            { key: "$seats", value: 3 },
            { key: "größe", value: true },
          ],
          revenue: { amount: "29.99", currency: "EUR" },
        },
      ],
      [{ ...session, name: "Signup", path: "/checkout", props: undefined, revenue: undefined }],
    ]);
  });

  test("the same function across renders, so an app's effects that use it do not re-run", () => {
    const { rerender } = mount();
    const first = track;
    rerender(
      <StrictMode>
        <Tracker />
      </StrictMode>,
    );
    expect(track).toBe(first);
  });

  test("a refusal, a rate limit, a missing mutation: nothing reaches the app", async () => {
    mount();
    trackEvent.mockRejectedValueOnce(new ConvexError({ code: "INVALID_ARGUMENT", field: "name", message: "name must be 1 to 120 characters" }));
    trackEvent.mockRejectedValueOnce(new ConvexError({ code: "RATE_LIMITED", retryAfter: 30_000, message: "slow down" }));
    // What calling a reference the app did not re-export does: it throws at once.
    trackEvent.mockImplementationOnce(() => {
      throw new Error("undefined is not a function reference");
    });
    for (const name of ["x".repeat(200), "Again", "Missing"]) expect(() => track(name)).not.toThrow();
    await settle();
    expect(names()).toEqual(["x".repeat(200), "Again", "Missing"]);
  });
});

describe("what is never sent", () => {
  test("anything from the dashboard's pages, decided at each call", async () => {
    mount();
    history.pushState(null, "", "/stats/visits");
    track("Export");
    history.pushState(null, "", "/about");
    track("Contact");
    await settle();
    expect(names()).toEqual(["Contact"]);
  });

  test("anything from a browser its owner excluded, or automation that has not opted in", async () => {
    mount({ outboundLinks: true });
    localStorage.setItem(EXCLUDE_ME_STORAGE_KEY, "true");
    track("Signup");
    clickLink("https://github.com/");
    localStorage.removeItem(EXCLUDE_ME_STORAGE_KEY);
    localStorage.removeItem(COUNT_AUTOMATION_STORAGE_KEY);
    track("Signup");
    await settle();
    expect(trackEvent).not.toHaveBeenCalled();
  });
});

describe("automatic events", () => {
  test("outboundLinks and fileDownloads: a click sends its event, from the page it was on, once under StrictMode", async () => {
    mount({ outboundLinks: true, fileDownloads: true });
    clickLink("https://github.com/get-convex/convex?tab=readme");
    clickLink("/files/guide.pdf");
    await settle();
    expect(trackEvent.mock.calls.map(([{ name, path, props }]) => ({ name, path, props }))).toEqual([
      { name: OUTBOUND_LINK_EVENT, path: "/pricing", props: [{ key: "url", value: "https://github.com/get-convex/convex" }] },
      { name: FILE_DOWNLOAD_EVENT, path: "/pricing", props: [{ key: "url", value: "http://localhost:3000/files/guide.pdf" }] },
    ]);
  });

  test("none unless turned on, and none once unmounted", async () => {
    const { unmount } = mount();
    clickLink("https://github.com/");
    clickLink("/files/guide.pdf");
    unmount();
    mount({ outboundLinks: true, fileDownloads: true }).unmount();
    clickLink("https://github.com/");
    clickLink("/files/guide.pdf");
    await settle();
    expect(trackEvent).not.toHaveBeenCalled();
  });

  test("notFound: the not-found page sends 404 with its path once under StrictMode, and again for another path", async () => {
    history.replaceState(null, "", "/no-such-page?from=old-link");
    const { rerender } = mount({ notFound: true });
    rerender(
      <StrictMode>
        <Tracker notFound />
      </StrictMode>,
    );
    history.pushState(null, "", "/nor-this-one");
    rerender(
      <StrictMode>
        <Tracker notFound />
      </StrictMode>,
    );
    await settle();
    expect(trackEvent.mock.calls.map(([{ name, props }]) => ({ name, props }))).toEqual([
      { name: NOT_FOUND_EVENT, props: [{ key: "path", value: "/no-such-page" }] },
      { name: NOT_FOUND_EVENT, props: [{ key: "path", value: "/nor-this-one" }] },
    ]);
  });
});
