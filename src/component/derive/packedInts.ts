/**
 * Whole numbers packed into a string, a few bytes each: the visit blocks' format (derive/visitBlocks.ts). Each
 * number is written in base 16,384, most significant digit first, one character a digit: a last digit at
 * U+0021 + d, any other at U+4100 + d. Every character is below the surrogates, so one UTF-16 unit each, and
 * small numbers (under 95) take one UTF-8 byte, those under 2,015 two. Convex arrays hold at most 8,192
 * elements and an element costs its own bytes; a string of a thousand visits' figures costs only its characters.
 */

const BASE = 0x4000;
const LAST_DIGIT = 0x21;
const MORE_DIGIT = 0x4100;

/** The numbers (whole, from 0), packed. */
export function packInts(numbers: readonly number[]): string {
  let out = "";
  for (const number of numbers) {
    if (!Number.isSafeInteger(number) || number < 0) throw new Error(`packInts takes whole numbers from 0; got ${number}`);
    let digits = String.fromCharCode(LAST_DIGIT + (number % BASE));
    for (let rest = Math.floor(number / BASE); rest > 0; rest = Math.floor(rest / BASE)) digits = String.fromCharCode(MORE_DIGIT + (rest % BASE)) + digits;
    out += digits;
  }
  return out;
}

/** Reads packed numbers one at a time, without building an array (a scan reads hundreds of thousands). */
export class PackedReader {
  private at = 0;
  constructor(private readonly text: string) {}
  get done(): boolean {
    return this.at >= this.text.length;
  }
  next(): number {
    let number = 0;
    for (;;) {
      const code = this.text.charCodeAt(this.at++);
      if (Number.isNaN(code)) throw new Error("packed numbers ended inside a number");
      if (code < MORE_DIGIT) return number * BASE + (code - LAST_DIGIT);
      number = number * BASE + (code - MORE_DIGIT);
    }
  }
}

/** The UTF-8 size of packed numbers: what storing or reading them costs. */
export function packedBytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : 3;
  }
  return bytes;
}
