import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

// scrypt parameters: N=2^15, r=8, p=1 (OWASP's recommended minimum for scrypt), 64-byte key. About 50 ms
// per hash on this class of machine, which is what makes guessing expensive; maxmem must allow 128*N*r bytes.
const N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_BYTES = 64;
const MAXMEM = 128 * N * R * 2;

function scryptAsync(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_BYTES, { N: n, r, p, maxmem: MAXMEM }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** Hashes a password as "scrypt$N$r$p$salt$key" (base64url), so parameters can be raised later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Checks a password against a stored hash, in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A hash to verify a password against when the user does not exist, so both answers take as long. */
export const DUMMY_PASSWORD_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$' + 'A'.repeat(86);

/**
 * A new random secret with a readable prefix naming its kind, e.g. "vgl_agent_3q2…". 32 random bytes make
 * guessing hopeless, so a fast hash (SHA-256) is enough to store it: unlike a password, it need not be stretched.
 */
export function newSecret(kind: string): string {
  return `vgl_${kind}_${randomBytes(32).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A random password for the first admin: 18 characters of base64url, ~108 bits. */
export function randomPassword(): string {
  return randomBytes(14).toString('base64url');
}
