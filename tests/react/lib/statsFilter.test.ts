import { describe, expect, test } from "vitest";
import {
  addFilter,
  bucketedProperty,
  convertedStep,
  describeFilter,
  filterOps,
  isFilteredBy,
  liveScope,
  propertyNoun,
  readFilters,
  toggleIsFilter,
  visitFilters,
  withFilters,
  withFiltersArg,
  type StatsFilter,
} from "../../../src/react/lib/statsFilter";
import { BREAKDOWN_PROPERTIES } from "../../../src/shared/config";

const params = (query: string) => new URLSearchParams(query);
const is = (property: StatsFilter["property"], value: string): StatsFilter => ({ property, op: "is", value });

describe("the filters in the URL", () => {
  test.each<[string, StatsFilter[]]>([
    ["a plain value", [is("source", "Google")]],
    ["a value with colons", [is("referrer", "example.com/a:b:c")]],
    ["a value with spaces and a slash", [is("source", "Direct / None")]],
    ["non-ASCII", [is("utmCampaign", "été 2026 — 日本 🎉")]],
    ["URL syntax in a value", [is("page", "/search?q=a&b=c#top%20x+y")]],
    ["is not, and a value with the marks in it", [{ property: "country", op: "isNot", value: "FR!:~:" }]],
    ["three that combine", [is("source", "Google"), { property: "country", op: "isNot", value: "FR" }, { property: "page", op: "contains", value: "/blog" }]],
    ["a goal, an event and an event property", [is("goal", "Sign-ups"), { property: "event", op: "isNot", value: "Download" }, is("prop:plan", "pro:annual")]],
    ["an event property whose key holds a colon or a percent sign", [is("prop:utm:source%", "a:b"), { property: "prop:100%", op: "contains", value: "x" }]],
  ])("%s round-trip through the query string, in order", (_, filters) => {
    const search = withFilters(params("period=7d"), filters).toString();
    expect(readFilters(params(search))).toEqual(filters);
    expect(params(search).get("period")).toBe("7d");
  });

  test("read as written by hand: repeated filter=, with !: for is not and ~: for contains; the single legacy filter= is one is", () => {
    expect(readFilters(params("?filter=source:Google"))).toEqual([is("source", "Google")]);
    expect(readFilters(params("?filter=country%3AFR"))).toEqual([is("country", "FR")]);
    expect(readFilters(params("?filter=source:Google&filter=country!:FR&filter=page~:blog"))).toEqual([
      is("source", "Google"),
      { property: "country", op: "isNot", value: "FR" },
      { property: "page", op: "contains", value: "blog" },
    ]);
    expect(withFilters(params(""), [{ property: "os", op: "isNot", value: "macOS" }]).toString()).toBe("filter=os%21%3AmacOS");
  });

  test("unreadable filters and repeats are left out, and no more than three are read", () => {
    // A goal takes is only; an escape that decodes to nothing is no key.
    const texts = ["Google", ":Google", "city:Paris", "source:", "source:  ", "goal!:Sign-ups", "prop::x", "prop:%E0%A4%A:x", "source:Google", "source:Google", "os:iOS", "device:Mobile", "country:FR"];
    expect(readFilters(params(texts.map((text) => `filter=${encodeURIComponent(text)}`).join("&")))).toEqual([
      is("source", "Google"),
      is("os", "iOS"),
      is("device", "Mobile"),
    ]);
  });

  test("removing them keeps the rest of the URL", () => {
    expect(withFilters(params("period=custom&from=2026-11-01&to=2026-11-10&filter=source%3AGoogle&filter=os:iOS"), []).toString()).toBe(
      "period=custom&from=2026-11-01&to=2026-11-10",
    );
  });
});

describe("adding and removing", () => {
  const google = is("source", "Google");
  const notFrance: StatsFilter = { property: "country", op: "isNot", value: "FR" };

  test("a row's is filter is added beside the others, replaces the is on its property, and is removed when chosen again", () => {
    expect(toggleIsFilter([notFrance], "source", "Google")).toEqual([notFrance, google]);
    expect(toggleIsFilter([google, notFrance], "source", "Bing")).toEqual([is("source", "Bing"), notFrance]);
    expect(toggleIsFilter([google, notFrance], "source", "Google")).toEqual([notFrance]);
    // An is not on the property stays: "country is DE and is not FR" is a question.
    expect(toggleIsFilter([notFrance], "country", "DE")).toEqual([notFrance, is("country", "DE")]);
  });

  test("no more than three: a fourth is refused (null), a replacement is not", () => {
    const three = [google, notFrance, is("os", "iOS")];
    expect(addFilter(three, is("device", "Mobile"))).toBeNull();
    expect(toggleIsFilter(three, "device", "Mobile")).toBeNull();
    expect(addFilter(three, is("os", "Android"))).toEqual([google, notFrance, is("os", "Android")]);
    expect(addFilter(three, google)).toEqual(three);
  });

  test("a row is marked when an is filter names it", () => {
    expect(isFilteredBy([google, notFrance], "source", "Google")).toBe(true);
    expect(isFilteredBy([google, notFrance], "country", "FR")).toBe(false);
  });
});

test("a filter in words, as its chip says it", () => {
  expect(describeFilter(is("source", "Google")).sentence).toBe("Source is Google");
  expect(describeFilter(is("country", "FR")).sentence).toBe("Country is France");
  expect(describeFilter({ property: "country", op: "isNot", value: "FR" }).sentence).toBe("Country is not France");
  expect(describeFilter(is("page", "/caf%C3%A9")).sentence).toBe("Page is /café");
  // A part of a value is shown as typed.
  expect(describeFilter({ property: "country", op: "contains", value: "fr" }).sentence).toBe("Country contains fr");
  expect(describeFilter(is("utmCampaign", "launch"))).toEqual({ property: "UTM campaign", op: "is", value: "launch", sentence: "UTM campaign is launch" });
});

test("a query's arguments get the filters only when there are some", () => {
  expect(withFiltersArg({ from: 1, to: 2 }, [])).toEqual({ from: 1, to: 2 });
  expect(Object.keys(withFiltersArg({ from: 1, to: 2 }, []))).toEqual(["from", "to"]);
  expect(withFiltersArg({ from: 1, to: 2 }, [is("os", "iOS")])).toEqual({ from: 1, to: 2, filters: [is("os", "iOS")] });
});

test("active now takes a page filter alone; any other filters leave it unfiltered, and say so", () => {
  expect(liveScope([])).toEqual({ kind: "all" });
  expect(liveScope([is("page", "/a")])).toEqual({ kind: "page", page: "/a" });
  expect(liveScope([{ property: "page", op: "isNot", value: "/a" }])).toEqual({ kind: "notFiltered" });
  expect(liveScope([is("page", "/a"), is("source", "Google")])).toEqual({ kind: "notFiltered" });
  expect(liveScope([is("source", "Google")])).toEqual({ kind: "notFiltered" });
});

test("the buckets answer one is filter; any other filters are answered from the visits", () => {
  expect(bucketedProperty([is("source", "Google")])).toBe("source");
  expect(bucketedProperty([{ property: "source", op: "contains", value: "oo" }])).toBeUndefined();
  expect(bucketedProperty([is("source", "Google"), is("os", "iOS")])).toBeUndefined();
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
  expect([propertyNoun("goal"), propertyNoun("event"), propertyNoun("prop:plan")]).toEqual(["a goal", "an event", "a value of plan"]);
});

test("goal, event and property filters: the goal or event whose properties break down, and what a funnel takes", () => {
  const google = is("source", "Google");
  const page = { property: "page", op: "contains", value: "/blog" } as const;
  expect(convertedStep([google, is("prop:plan", "pro"), is("event", "Signup")])).toEqual(is("event", "Signup"));
  expect(convertedStep([google, { property: "goal", op: "isNot", value: "Sign-ups" }])).toBeNull();
  expect(visitFilters([is("goal", "Sign-ups"), google, is("prop:plan", "pro"), page])).toEqual([google, page]);
  expect(describeFilter(is("prop:plan", "pro")).sentence).toBe("Property plan is pro");
  expect(describeFilter(is("goal", "Unknown")).sentence).toBe("Goal is Unknown");
  expect(describeFilter({ property: "event", op: "isNot", value: "Download" }).sentence).toBe("Event is not Download");
  expect(describeFilter({ property: "prop:file", op: "contains", value: ".PDF" }).sentence).toBe("Property file contains .PDF");
});

test("a goal filter takes is only, as the Stats API does; every other property all three operators", () => {
  expect(filterOps("goal")).toEqual(["is"]);
  for (const property of ["event", "prop:plan", "prop:", "source", "page"] as const) expect(filterOps(property)).toEqual(["is", "isNot", "contains"]);
});
