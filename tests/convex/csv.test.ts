import { describe, expect, test } from "vitest";
import { csvField, CSV_BOM, toCsv } from "../../src/client/http/csv";
import { parseCsv } from "../support/csvParse";
import { random } from "../support/seed";

describe("csvField", () => {
  test("leaves plain text and numbers as they are", () => {
    expect(csvField("Google")).toBe("Google");
    expect(csvField("/café")).toBe("/café");
    expect(csvField(12)).toBe("12");
    expect(csvField(0.25)).toBe("0.25");
  });

  test("quotes a field with a comma, a quote, CR or LF, doubling its quotes (RFC 4180)", () => {
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("two\r\nlines")).toBe('"two\r\nlines"');
    expect(csvField('"')).toBe('""""');
  });

  test("puts an apostrophe before text a spreadsheet would run as a formula", () => {
    expect(csvField('=HYPERLINK("http://evil.example","click")')).toBe(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(csvField("+1")).toBe("'+1");
    expect(csvField("-2+3")).toBe("'-2+3");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField("\tx")).toBe("'\tx");
    expect(csvField("\rx")).toBe(`"'\rx"`);
    // Fullwidth forms, which spreadsheets in CJK locales read as = + - @.
    expect(csvField("＝HYPERLINK(1)")).toBe("'＝HYPERLINK(1)");
    expect(csvField("＋1")).toBe("'＋1");
    expect(csvField("－2＋3")).toBe("'－2＋3");
    expect(csvField("＠SUM(A1)")).toBe("'＠SUM(A1)");
    // Inside the text, or a number, is no formula.
    expect(csvField("a=b")).toBe("a=b");
    expect(csvField(-1)).toBe("-1");
  });
});

describe("toCsv", () => {
  test("a BOM, then the header and each row, every line ended by CRLF", () => {
    expect(toCsv(["source", "visits"], [["Google", 3], ["Hacker News, Inc", 1]])).toBe(`${CSV_BOM}source,visits\r\nGoogle,3\r\n"Hacker News, Inc",1\r\n`);
    expect(toCsv(["a"], [])).toBe(`${CSV_BOM}a\r\n`);
  });

  test("2,000 random awkward fields come back whole through an RFC 4180 reader", () => {
    const next = random(4180);
    const alphabet = ['"', ",", "\r", "\n", "\r\n", " ", "a", "é", "東", "😀", "'", ";", "\t", "=", "＝", "＠"];
    const text = () => Array.from({ length: Math.floor(next() * 8) }, () => alphabet[Math.floor(next() * alphabet.length)]).join("");
    const rows = Array.from({ length: 500 }, () => [text(), text(), text(), text()]);
    const guarded = (value: string) => (/^[=+\-@\t\r＝＋－＠]/.test(value) ? `'${value}` : value);
    expect(parseCsv(toCsv(["a", "b", "c", "d"], rows))).toEqual([["a", "b", "c", "d"], ...rows.map((row) => row.map(guarded))]);
  });
});
