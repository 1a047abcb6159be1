import { expect, test } from "vitest";
import { displayPath, formatCompact, formatDate, formatNumber } from "../../../src/react/lib/format";

test("numbers read as people write them", () => {
  expect(formatNumber(0)).toBe("0");
  expect(formatNumber(1234)).toBe("1,234");
  expect(formatNumber(1234567)).toBe("1,234,567");
  expect(formatCompact(999)).toBe("999");
  expect(formatCompact(12_345)).toBe("12.3k");
  expect(formatCompact(2_500_000)).toBe("2.5M");
});

test("a calendar date stays on its day in every time zone", () => {
  expect(formatDate("2025-03-01")).toBe("Mar 1, 2025");
});

test("paths read decoded, but never decode into something that reads differently", () => {
  expect(displayPath("/caf%C3%A9")).toBe("/café");
  expect(displayPath("/%E6%97%A5%E6%9C%AC/%e8%aa%9e")).toBe("/日本/語");
  expect(displayPath("/plain-path")).toBe("/plain-path");
  // Not UTF-8, or not an escape at all: left as sent, never an exception.
  expect(displayPath("/bad%E9-latin1")).toBe("/bad%E9-latin1");
  expect(displayPath("/100%")).toBe("/100%");
  expect(displayPath("/%zz")).toBe("/%zz");
  // Separators, escapes, spaces and invisible or bidi characters stay escaped, around what does decode.
  expect(displayPath("/a%2Fb%3Fc%23d%255C")).toBe("/a%2Fb%3Fc%23d%255C");
  expect(displayPath("/x%20y%09z")).toBe("/x%20y%09z");
  expect(displayPath("/%E2%80%AEtxt.exe")).toBe("/%E2%80%AEtxt.exe");
  expect(displayPath("/%C3%A9%E2%80%8B%C3%A9")).toBe("/é%E2%80%8Bé");
  expect(displayPath("/%5C%5Chost")).toBe("/%5C%5Chost");
});
