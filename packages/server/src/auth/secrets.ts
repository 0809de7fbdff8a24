// Passwords, tokens and API keys. Passwords are argon2id (slow on purpose); tokens and key secrets are 190+
// random bits, so a plain SHA-256 suffices to store them and keeps every authenticated request cheap.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { hash as argon2Hash, verify as argon2Verify } from "@node-rs/argon2";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Uniform random alphanumeric string (rejection sampling: no modulo bias). */
export function randomAlphanumeric(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function hashPassword(password: string): Promise<string> {
  return argon2Hash(password);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2Verify(hash, password);
  } catch {
    return false;
  }
}

/** A hash to verify against when the user does not exist, so login time does not reveal which emails exist. */
let decoyHash: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= argon2Hash(randomAlphanumeric(32));
  return decoyHash;
}

/** API keys look like whylogs expects: a 10-character id, a dot, the secret (`sgXXXXXXXX.<40 chars>`). */
export const KEY_ID_LENGTH = 10;

export function newApiKey(): { id: string; secret: string; key: string } {
  const id = `sg${randomAlphanumeric(KEY_ID_LENGTH - 2)}`;
  const secret = randomAlphanumeric(40);
  return { id, secret, key: `${id}.${secret}` };
}

/**
 * Splits `id.secret` — optionally followed by `:<org id>`, the form whylogs sends when the key embeds its
 * organization — into its parts; undefined when it cannot be a key.
 */
export function parseApiKey(
  raw: string,
): { id: string; secret: string; org: string | undefined } | undefined {
  const match = /^([A-Za-z0-9]{10})\.([A-Za-z0-9]{20,128})(?::([A-Za-z0-9_-]{1,64}))?$/.exec(raw.trim());
  if (match === null) return undefined;
  return { id: match[1]!, secret: match[2]!, org: match[3] };
}
