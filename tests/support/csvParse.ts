/**
 * A strict RFC 4180 reader for tests: CRLF line ends only, quotes only around a
 * whole field (doubled inside), and a bare quote, CR or LF outside quotes is an
 * error, so whatever the writer got wrong shows. A leading BOM is dropped.
 */
export function parseCsv(text: string): string[][] {
  const source = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (quoted) {
      if (char !== '"') field += char;
      else if (source[i + 1] === '"') field += source[++i];
      else if (source[i + 1] !== "," && source[i + 1] !== "\r") throw new Error(`text after a closing quote at ${i}`);
      else quoted = false;
    } else if (char === '"' && field === "") quoted = true;
    else if (char === ",") {
      row.push(field);
      field = "";
    } else if (char === "\r" && source[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else if (char === '"' || char === "\r" || char === "\n") throw new Error(`a bare ${JSON.stringify(char)} at ${i}`);
    else field += char;
  }
  if (quoted || field !== "" || row.length > 0) throw new Error("the last line is not ended by CRLF");
  return rows;
}

/** The rows after the header, as objects keyed by the header's names. */
export function csvRecords(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  return rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i]])));
}
