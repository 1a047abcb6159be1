import { afterEach, describe, expect, test, vi } from "vitest";
import { bytesEqual, secretMatches, tokenCapacityBits } from "../../src/shared/secrets";

const SECRET = "3f9c1e0a7b5d4c2e8f6a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e";

afterEach(() => vi.restoreAllMocks());

describe("secretMatches", () => {
  test("accepts the configured secret", async () => {
    expect(await secretMatches(SECRET, SECRET)).toBe(true);
  });

  test("refuses a different secret of the same length, differing in its first or its last character", async () => {
    expect(await secretMatches(`0${SECRET.slice(1)}`, SECRET)).toBe(false);
    expect(await secretMatches(`${SECRET.slice(0, -1)}f`, SECRET)).toBe(false);
  });

  test("refuses a prefix, an extension and anything of another length", async () => {
    expect(await secretMatches(SECRET.slice(0, -1), SECRET)).toBe(false);
    expect(await secretMatches(`${SECRET}0`, SECRET)).toBe(false);
    expect(await secretMatches("x", SECRET)).toBe(false);
  });

  test("refuses an empty presented secret, and matches nothing at all while no secret is configured", async () => {
    expect(await secretMatches("", SECRET)).toBe(false);
    expect(await secretMatches("", "")).toBe(false);
    expect(await secretMatches("", undefined)).toBe(false);
    expect(await secretMatches(SECRET, undefined)).toBe(false);
  });

  test("compares unicode by its UTF-8 bytes: the same text matches, another normalisation of it does not", async () => {
    const composed = "pässwörd-🔑-秘密".normalize("NFC");
    expect(await secretMatches(composed, composed)).toBe(true);
    expect(await secretMatches(composed.normalize("NFD"), composed)).toBe(false);
    expect(await secretMatches("pässwörd-🔑-秘", composed)).toBe(false);
  });

  test("hashes both sides whatever their lengths, so no length check answers early", async () => {
    const digest = vi.spyOn(crypto.subtle, "digest");

    expect(await secretMatches("short", SECRET)).toBe(false);

    expect(digest).toHaveBeenCalledTimes(2);
    expect(digest.mock.calls.map(([algorithm]) => algorithm)).toEqual(["SHA-256", "SHA-256"]);
  });
});

describe("bytesEqual", () => {
  /** A copy of `bytes` that records each index read from it. */
  function watched(bytes: number[]): { array: Uint8Array; reads: number[] } {
    const reads: number[] = [];
    const target = new Uint8Array(bytes);
    const array = new Proxy(target, {
      get(array, key) {
        if (typeof key === "string" && /^\d+$/.test(key)) reads.push(Number(key));
        // No receiver: a typed array's getters need the array itself as `this`.
        return Reflect.get(array, key);
      },
    });
    return { array, reads };
  }

  const DIGEST = Array.from({ length: 32 }, (_, i) => (i * 37 + 11) % 256);
  const EVERY_INDEX = DIGEST.map((_, i) => i);
  const differingAt = (index: number) => DIGEST.map((byte, i) => (i === index ? byte ^ 0xff : byte));

  test.each([
    ["equal", DIGEST, true],
    ["different in the first byte", differingAt(0), false],
    ["different in the middle", differingAt(16), false],
    ["different in the last byte", differingAt(31), false],
  ])("reads every byte of both digests once, in order, when they are %s", (_, other, equal) => {
    const a = watched(DIGEST);
    const b = watched(other);

    expect(bytesEqual(a.array, b.array)).toBe(equal);

    // The same reads wherever the first difference is: nothing about it shows in the work done.
    expect(a.reads).toEqual(EVERY_INDEX);
    expect(b.reads).toEqual(EVERY_INDEX);
  });

  test("refuses arrays of different lengths, even when one is a prefix of the other", () => {
    expect(bytesEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2]))).toBe(false);
    expect(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))).toBe(false);
    expect(bytesEqual(new Uint8Array([]), new Uint8Array([]))).toBe(true);
  });
});

describe("tokenCapacityBits", () => {
  test("length times the bits of a character in the smallest alphabet the token is written in", () => {
    expect(tokenCapacityBits("Gq".repeat(11))).toBe(132);
    // Letters a to f alone are hex: 4 bits each, however they were meant.
    expect(tokenCapacityBits("A".repeat(22))).toBe(88);
    expect(tokenCapacityBits("a-b_".repeat(8))).toBe(192);
    expect(tokenCapacityBits("0123456789abcdef".repeat(2))).toBe(128);
    expect(tokenCapacityBits("0123456789ABCDEF".repeat(2))).toBe(128);
    expect(tokenCapacityBits("1".repeat(39))).toBeCloseTo(129.56, 2);
  });

  test("nothing for other characters, or none", () => {
    expect(tokenCapacityBits("")).toBe(0);
    expect(tokenCapacityBits(`${"A".repeat(40)}+/=`)).toBe(0);
    expect(tokenCapacityBits("correct horse battery staple")).toBe(0);
  });
});
