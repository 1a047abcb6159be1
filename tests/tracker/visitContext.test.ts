import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { visitContext } from "../../src/tracker/visitContext";

function arrive(url: string, referrer = "") {
  history.replaceState(null, "", url);
  Object.defineProperty(document, "referrer", { configurable: true, get: () => referrer });
}

// Never the user agent: each tracker sends it its own way (the React hook in the view, the script tag as its request's header).
const browser = { screenWidth: 1280, language: "en-GB", timeZone: "Europe/London" };

beforeEach(() => {
  vi.stubGlobal("innerWidth", browser.screenWidth);
  vi.spyOn(navigator, "language", "get").mockReturnValue(browser.language);
  vi.spyOn(Intl.DateTimeFormat.prototype, "resolvedOptions").mockReturnValue({ timeZone: browser.timeZone } as Intl.ResolvedDateTimeFormatOptions);
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  arrive("/");
});

describe("visitContext", () => {
  test("the first view of a load: an external referrer as origin and path, and the landing URL's UTM parameters", () => {
    arrive(
      "/post?utm_source=newsletter&utm_medium=email&utm_campaign=launch&utm_term=stats&utm_content=header#top",
      "https://news.ycombinator.com/item?id=123#comments",
    );
    expect(visitContext(true)).toEqual({
      referrer: "https://news.ycombinator.com/item",
      utmSource: "newsletter",
      utmMedium: "email",
      utmCampaign: "launch",
      utmTerm: "stats",
      utmContent: "header",
      ...browser,
    });
  });

  test("later views in the same load send only the browser's context", () => {
    arrive("/post?utm_source=newsletter", "https://www.google.com/");
    expect(visitContext(false)).toEqual(browser);
  });

  test("the source falls back to ref, then source", () => {
    arrive("/?ref=producthunt&source=twitter");
    expect(visitContext(true)).toEqual({ utmSource: "producthunt", ...browser });
    arrive("/?source=twitter");
    expect(visitContext(true)).toEqual({ utmSource: "twitter", ...browser });
    arrive("/?utm_source=github&ref=producthunt");
    expect(visitContext(true)).toEqual({ utmSource: "github", ...browser });
  });

  test("no referrer from the site itself, none when there is none, and no empty fields", () => {
    arrive("/about?utm_source=&utm_medium=", `${location.origin}/post?x=1`);
    expect(visitContext(true)).toEqual(browser);
    arrive("/about", "");
    expect(visitContext(true)).toEqual(browser);
    // Another port is another host.
    arrive("/about", "http://localhost:4000/admin");
    expect(location.host).not.toBe("localhost:4000");
    expect(visitContext(true)).toMatchObject({ referrer: "http://localhost:4000/admin" });
    vi.spyOn(navigator, "language", "get").mockReturnValue("");
    expect(visitContext(false)).not.toHaveProperty("language");
  });
});
