import { describe, expect, test } from "vitest";
import {
  countryName,
  describeDuration,
  describeMetricChange,
  describeValue,
  flagEmoji,
  formatConversionRate,
  formatDuration,
  formatMoney,
  formatRate,
  formatRatio,
  formatShare,
  isPlaceholderValue,
  languageName,
  screenWidths,
} from "../../../src/react/lib/statsFormat";

describe("durations", () => {
  test.each([
    [0, "0s"],
    [400, "0s"],
    [45_000, "45s"],
    [59_499, "59s"],
    [60_000, "1m 00s"],
    [185_000, "3m 05s"],
    [3_599_000, "59m 59s"],
    [3_600_000, "1h 00m"],
    [3_725_000, "1h 02m"],
    [-5, "0s"],
  ])("%d ms → %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  test("in words for a tooltip or a screen reader", () => {
    expect(describeDuration(1_000)).toBe("1 second");
    expect(describeDuration(185_000)).toBe("3 minutes 5 seconds");
    expect(describeDuration(120_000)).toBe("2 minutes");
    expect(describeDuration(3_660_000)).toBe("1 hour 1 minute");
  });
});

test("rates, ratios and shares", () => {
  expect(formatRate(0)).toBe("0%");
  expect(formatRate(0.456)).toBe("46%");
  expect(formatRate(1)).toBe("100%");
  expect(formatRatio(1.42857)).toBe("1.43");
  expect(formatRatio(2)).toBe("2");
  expect(formatShare(1, 2)).toBe("50%");
  expect(formatShare(9, 200)).toBe("4.5%");
  expect(formatShare(1, 3)).toBe("33%");
  expect(formatShare(1, 5_000)).toBe("<0.1%");
  expect(formatShare(0, 10)).toBe("0%");
  expect(formatShare(3, 0)).toBe("0%");
});

test("conversion rates and revenue in the site's currency", () => {
  expect(formatConversionRate(0.025)).toBe("2.5%");
  expect(formatConversionRate(0.456)).toBe("46%");
  expect(formatMoney(348, "EUR")).toBe("€348.00");
  expect(formatMoney(1234.5, "USD")).toBe("$1,234.50");
  // A currency without minor units, and one the browser writes by its code.
  expect(formatMoney(3500, "JPY")).toBe("¥3,500");
  expect(formatMoney(29.9, "CHF")).toBe("CHF\u00a029.90");
  // While the site's currency is not known: the amount alone.
  expect(formatMoney(29.9, null)).toBe("29.90");
});

describe("a change against the previous period", () => {
  test("counts and means by percentage; up is good news", () => {
    expect(describeMetricChange("visits", 112, 100)).toEqual({ trend: "up", text: "▲ 12%", label: "up 12% from the previous period", sentiment: "good" });
    expect(describeMetricChange("visitDurationMs", 60_000, 120_000)).toMatchObject({ trend: "down", text: "▼ 50%", sentiment: "bad" });
    expect(describeMetricChange("viewsPerVisit", 2, 2)).toMatchObject({ trend: "flat", text: "no change", sentiment: "neutral" });
  });

  test("nothing before: no percentage; a rate of 0 before still compares, in points; a year earlier named as such", () => {
    expect(describeMetricChange("visitors", 4_850, 0)).toBeNull();
    expect(describeMetricChange("bounceRate", 0.25, 0)).toMatchObject({ trend: "up", text: "▲ 25 pp" });
    expect(describeMetricChange("visits", 90, 100, "a year earlier")?.label).toBe("down 10% from a year earlier");
  });

  test("bounce rate by its difference in points, and a rise is bad news", () => {
    expect(describeMetricChange("bounceRate", 0.55, 0.4)).toEqual({
      trend: "up",
      text: "▲ 15 pp",
      label: "up 15 percentage points from the previous period",
      sentiment: "bad",
    });
    expect(describeMetricChange("bounceRate", 0.39, 0.4)).toMatchObject({ trend: "down", text: "▼ 1 pp", sentiment: "good" });
    expect(describeMetricChange("bounceRate", 0.401, 0.4)).toMatchObject({ trend: "flat", text: "no change" });
  });
});

describe("breakdown values", () => {
  test("a country: its flag from the ISO code and its name in English", () => {
    expect(flagEmoji("FR")).toBe("🇫🇷");
    expect(flagEmoji("jp")).toBe("🇯🇵");
    expect(flagEmoji("Unknown")).toBe("");
    expect(flagEmoji("F1")).toBe("");
    expect(countryName("FR")).toBe("France");
    expect(countryName("DE")).toBe("Germany");
    expect(describeValue("country", "GB")).toEqual({ text: "United Kingdom", title: "United Kingdom (GB)", flag: "🇬🇧" });
    expect(describeValue("country", "Unknown")).toEqual({ text: "Unknown", title: "Unknown" });
  });

  test("a language by its name; a code no one knows as it is", () => {
    expect(languageName("en")).toBe("English");
    expect(languageName("fr")).toBe("French");
    expect(languageName("not a code")).toBe("not a code");
    expect(describeValue("language", "de")).toEqual({ text: "German", title: "German (de)" });
  });

  test("a screen class with its widths; a path decoded; the placeholders", () => {
    expect(screenWidths("Mobile")).toBe("under 576 px wide");
    expect(screenWidths("Tablet")).toBe("576–991 px wide");
    expect(screenWidths("Desktop")).toBe("1,440 px wide or more");
    expect(describeValue("screen", "Laptop").title).toBe("Laptop: 992–1,439 px wide");
    expect(describeValue("entryPage", "/caf%C3%A9")).toEqual({ text: "/café", title: "/café" });
    expect(describeValue("source", "Hacker News")).toEqual({ text: "Hacker News", title: "Hacker News" });
    expect(isPlaceholderValue("Direct / None")).toBe(true);
    expect(isPlaceholderValue("Unknown")).toBe(true);
    expect(isPlaceholderValue("Google")).toBe(false);
  });
});
