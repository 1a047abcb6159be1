import { gzipSync } from "node:zlib";

/** Minified and gzip bytes of built code, as a visitor downloads it. */
export function codeSize(code: string): { minified: number; gzip: number } {
  return { minified: Buffer.byteLength(code), gzip: gzipSync(code).length };
}

/** "5.2 kB minified / 2.1 kB gzip (2068 bytes; budget 2100)", the line each size tool prints. */
export function describeSize({ minified, gzip }: { minified: number; gzip: number }, budget: number): string {
  const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
  return `${kB(minified)} minified / ${kB(gzip)} gzip (${gzip} bytes; budget ${budget})`;
}
