import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { z } from "zod";

/**
 * The local identity provider's password store: scrypt hashes, checked in constant time, and the same cost
 * for an unknown user as for a known one (so timing does not reveal which emails exist).
 */

export const MAX_PASSWORD_LENGTH = 256;

// scrypt cost: Node's default N, which keeps local logins and tests fast; this is not a production store.
const SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 32, saltLength: 16 } as const;

export const passwordHashSchema = z.object({
  algorithm: z.literal("scrypt"),
  // Bounds keep a hand-edited file from demanding huge amounts of memory or time per login.
  N: z
    .int()
    .min(1024)
    .max(1 << 17)
    .refine((n) => (n & (n - 1)) === 0),
  r: z.int().min(1).max(16),
  p: z.int().min(1).max(16),
  salt: z.string().refine((salt) => Buffer.from(salt, "base64url").length >= 8),
  hash: z.string().refine((hash) => Buffer.from(hash, "base64url").length >= 16 && Buffer.from(hash, "base64url").length <= 128),
});
export type PasswordHash = z.infer<typeof passwordHashSchema>;

function deriveKey(password: string, salt: Buffer, params: { N: number; r: number; p: number }, length: number) {
  return new Promise<Buffer>((resolve, reject) => {
    const maxmem = 256 * params.N * params.r + 1024 * 1024; // scrypt needs ~128*N*r bytes
    scrypt(password, salt, length, { N: params.N, r: params.r, p: params.p, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = randomBytes(SCRYPT.saltLength);
  const hash = await deriveKey(password, salt, SCRYPT, SCRYPT.keyLength);
  const { N, r, p } = SCRYPT;
  return { algorithm: "scrypt", N, r, p, salt: salt.toString("base64url"), hash: hash.toString("base64url") };
}

// Unknown users still cost one scrypt run, so response time does not reveal which emails exist.
const DUMMY_SALT = randomBytes(SCRYPT.saltLength);

export async function passwordMatches(user: { readonly password: PasswordHash } | undefined, password: string): Promise<boolean> {
  if (password.length === 0 || password.length > MAX_PASSWORD_LENGTH) {
    return false;
  }
  if (user === undefined) {
    const derived = await deriveKey(password, DUMMY_SALT, SCRYPT, SCRYPT.keyLength);
    timingSafeEqual(derived, Buffer.alloc(derived.length));
    return false;
  }
  const stored = Buffer.from(user.password.hash, "base64url");
  const derived = await deriveKey(password, Buffer.from(user.password.salt, "base64url"), user.password, stored.length);
  return timingSafeEqual(derived, stored);
}
