import { expect, test } from "vitest";
import { formatCompact, formatDate, formatNumber } from "../../../src/lib/format";

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
