/**
 * Secrets compared so that timing tells a caller nothing: both sides are
 * hashed with SHA-256 first (two 32-byte digests, whatever the inputs'
 * lengths), then every byte of the digests is compared, differences
 * accumulated with XOR and OR, never an early return. Used by the admin
 * endpoints (STATS_ADMIN_SECRET) and the content sync (CONTENT_SYNC_SECRET).
 */

const utf8 = new TextEncoder();

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", utf8.encode(text)));
}

/** True when the two arrays hold the same bytes; reads every byte of `a` and as many of `b`, wherever they first differ. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  // `?? 0`: past the end of a shorter `b` (never for two digests), the length difference has already decided.
  for (let i = 0; i < a.length; i++) difference |= a[i] ^ (b[i] ?? 0);
  return difference === 0;
}

// The alphabets a random token is written in, smallest first, with the bits each character carries.
const TOKEN_ALPHABETS = [
  { characters: /^[0-9]+$/, bitsPerCharacter: Math.log2(10) },
  { characters: /^[0-9a-f]+$/i, bitsPerCharacter: 4 },
  { characters: /^[A-Za-z0-9_-]+$/, bitsPerCharacter: 6 },
];

/**
 * The most randomness `token` has room for, in bits: its length times the bits of a character of the
 * smallest alphabet it is written in (decimal digits, hex, base64url); 0 in any other characters
 * (a passphrase's strength cannot be told, and `+ / =` do not survive a URL's query). Room only: a
 * token must still be drawn at random.
 */
export function tokenCapacityBits(token: string): number {
  const alphabet = TOKEN_ALPHABETS.find(({ characters }) => characters.test(token));
  return alphabet === undefined ? 0 : token.length * alphabet.bitsPerCharacter;
}

/** True when `presented` is the configured secret; an unset or empty configured secret matches nothing, not even "". */
export async function secretMatches(presented: string, configured: string | undefined): Promise<boolean> {
  // Both digests are computed every time, so an unset secret takes as long as a wrong one.
  const [presentedDigest, configuredDigest] = await Promise.all([sha256(presented), sha256(configured ?? "")]);
  return bytesEqual(presentedDigest, configuredDigest) && Boolean(configured);
}
