import { describe, expect, test } from "vitest";
import { describeFilter, formatFilter, parseFilter, propertyNoun, readFilter, withFilter, withFilterArg, type StatsFilter } from "../../../src/react/lib/statsFilter";
import { BREAKDOWN_PROPERTIES } from "../../../src/shared/config";

describe("the filter in the URL", () => {
  test.each<[string, StatsFilter]>([
    ["a plain value", { property: "source", value: "Google" }],
    ["a value with colons", { property: "referrer", value: "example.com/a:b:c" }],
    ["a value with spaces and a slash", { property: "source", value: "Direct / None" }],
    ["non-ASCII", { property: "utmCampaign", value: "été 2026 — 日本 🎉" }],
    ["URL syntax in a value", { property: "page", value: "/search?q=a&b=c#top%20x+y" }],
  ])("%s round-trips through the query string", (_, filter) => {
    const search = withFilter(new URLSearchParams("period=7d"), filter).toString();
    const params = new URLSearchParams(search);
    expect(readFilter(params)).toEqual(filter);
    expect(params.get("period")).toBe("7d");
  });

  test("is read as written by hand: ?filter=source:Google", () => {
    expect(readFilter(new URLSearchParams("?filter=source:Google"))).toEqual({ property: "source", value: "Google" });
    expect(readFilter(new URLSearchParams("?filter=country%3AFR"))).toEqual({ property: "country", value: "FR" });
    expect(formatFilter({ property: "os", value: "macOS" })).toBe("os:macOS");
  });

  test.each([["nothing", null], ["no colon", "Google"], ["no property", ":Google"], ["an unknown property", "city:Paris"], ["no value", "source:"], ["a blank value", "source:  "]])(
    "%s is no filter",
    (_, text) => {
      expect(parseFilter(text)).toBeNull();
    },
  );

  test("removing it keeps the rest of the URL", () => {
    const params = withFilter(new URLSearchParams("period=custom&from=2026-11-01&to=2026-11-10&filter=source%3AGoogle"), null);
    expect(params.toString()).toBe("period=custom&from=2026-11-01&to=2026-11-10");
  });
});

test("a filter in words, as its chip says it", () => {
  expect(describeFilter({ property: "source", value: "Google" }).sentence).toBe("Source is Google");
  expect(describeFilter({ property: "country", value: "FR" }).sentence).toBe("Country is France");
  expect(describeFilter({ property: "page", value: "/caf%C3%A9" }).sentence).toBe("Page is /café");
  expect(describeFilter({ property: "utmCampaign", value: "launch" })).toEqual({ property: "UTM campaign", value: "launch", sentence: "UTM campaign is launch" });
});

test("a query's arguments get the filter only when there is one", () => {
  expect(withFilterArg({ from: 1, to: 2 }, null)).toEqual({ from: 1, to: 2 });
  expect(Object.keys(withFilterArg({ from: 1, to: 2 }, null))).toEqual(["from", "to"]);
  expect(withFilterArg({ from: 1, to: 2 }, { property: "os", value: "iOS" })).toEqual({ from: 1, to: 2, filter: { property: "os", value: "iOS" } });
});

test("a property in a sentence: its article, and its label's capitals only where an acronym has them", () => {
  expect(Object.fromEntries(BREAKDOWN_PROPERTIES.map((property) => [property, propertyNoun(property)]))).toEqual({
    page: "a page",
    entryPage: "an entry page",
    exitPage: "an exit page",
    source: "a source",
    referrer: "a referrer",
    utmSource: "a UTM source",
    utmMedium: "a UTM medium",
    utmCampaign: "a UTM campaign",
    browser: "a browser",
    os: "an operating system",
    device: "a device",
    country: "a country",
    language: "a language",
    screen: "a screen size",
  });
});
