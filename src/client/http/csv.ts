/**
 * CSV as RFC 4180 writes it, for spreadsheets (prds/export.md): CRLF line ends;
 * a field with a comma, a double quote, CR or LF is quoted, its quotes doubled.
 * The text starts with a UTF-8 byte-order mark, so Excel reads non-ASCII
 * (café, 東京) as UTF-8 and not as the system's code page. A text field that a
 * spreadsheet would run as a formula (= + - @ or their fullwidth forms ＝ ＋ － ＠,
 * which a CJK spreadsheet reads as the same; tab, CR first) gets a leading
 * apostrophe: referrers and UTM values come from anyone who sends a view.
 */

export const CSV_BOM = "\uFEFF";

const NEEDS_QUOTES = /[",\r\n]/;
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/** One field: numbers as they are; text guarded against formulas, then quoted when it must be. */
export function csvField(value: string | number): string {
  if (typeof value === "number") return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A whole file: the BOM, the header, then each row, every line ended by CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return CSV_BOM + [header, ...rows].map((row) => row.map(csvField).join(",") + "\r\n").join("");
}
