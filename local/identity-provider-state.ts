/**
 * The local identity provider's persisted state (users and the signing key, in `.local-data/`) and its
 * signing key: how they are generated, read back (checked, with errors that never quote the file: it holds the
 * private key) and written atomically.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from "jose";
import { z } from "zod";
import { ID_PATTERN } from "../functions/domain/ids.ts";
import { passwordHashSchema } from "./password-hashing.ts";

export const ALG = "ES256";
export const MAX_EMAIL_LENGTH = 254;
export const STATE_VERSION = 1;

/** Exactly one @ with text on both sides, no white space (checked on the lower-cased address). */
export const isEmail = (email: string) => email.length <= MAX_EMAIL_LENGTH && /^[^\s@]+@[^\s@]+$/.test(email);

const userRecordSchema = z.object({
  userId: z.string().regex(ID_PATTERN),
  email: z.string().refine((email) => email === email.toLowerCase() && isEmail(email)),
  password: passwordHashSchema,
});
export type UserRecord = z.infer<typeof userRecordSchema>;

const STATE_FIELD_PROBLEMS: Record<string, string> = {
  version: `unsupported version (expected ${STATE_VERSION})`,
  signingKey: "signingKey is missing",
  users: "users must be an array",
};
/** The persisted state. The signing key's fields are checked here; its curve point when it is imported. */
const stateFileSchema = z.object({
  version: z.literal(STATE_VERSION),
  signingKey: z.looseObject({ kty: z.literal("EC"), crv: z.literal("P-256"), x: z.string(), y: z.string(), d: z.string() }),
  users: z
    .array(userRecordSchema)
    .refine(
      (users) =>
        new Set(users.map((user) => user.userId)).size === users.length && new Set(users.map((user) => user.email)).size === users.length,
      "users contain a duplicate userId or email",
    ),
});
type StateFileContent = z.infer<typeof stateFileSchema>;

/** A state-file problem in words that never quote the file (it holds the private key). */
function stateProblem(issue: z.core.$ZodIssue): string {
  const [field, index, userField, hashField] = issue.path;
  if (field === undefined) return "not an object";
  if (issue.code === "custom" && issue.path.length === 1) return issue.message;
  if (field === "signingKey" && issue.path.length > 1) return "signingKey is not a usable private EC P-256 JWK";
  if (field !== "users" || index === undefined) return STATE_FIELD_PROBLEMS[String(field)] ?? "unreadable content";
  const what =
    userField === undefined
      ? "not an object"
      : userField === "password"
        ? hashField === undefined
          ? "password hash missing"
          : "bad password hash"
        : `bad ${String(userField)}`;
  return `users[${String(index)}]: ${what}`;
}

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  /** Kept only when there is a state file to write it to. */
  privateJwkForStateFile?: JWK;
}
export async function generateSigningKey(forStateFile: boolean): Promise<SigningKey> {
  // Only a key that must be written to the state file is extractable.
  const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: forStateFile });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const key: SigningKey = { kid, privateKey, publicJwk: { ...publicJwk, kid, alg: ALG, use: "sig" } };
  if (forStateFile) key.privateJwkForStateFile = await exportJWK(privateKey);
  return key;
}

async function signingKeyFromJwk({ kty, crv, x, y, d }: StateFileContent["signingKey"]): Promise<SigningKey> {
  const privateJwk: JWK = { kty, crv, x, y, d };
  const publicJwk: JWK = { kty, crv, x, y };
  const privateKey = await importJWK(privateJwk, ALG, { extractable: false });
  await importJWK(publicJwk, ALG); // rejects a public point that is not on the curve
  if (privateKey instanceof Uint8Array) throw new Error("signingKey is a symmetric key");
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    kid,
    privateKey,
    publicJwk: { ...publicJwk, kid, alg: ALG, use: "sig" },
    privateJwkForStateFile: privateJwk,
  };
}

/** Returns undefined when the file does not exist yet. */
export async function loadStateFile(file: string): Promise<{ key: SigningKey; users: UserRecord[] } | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  // Messages stay generic and carry no cause: JSON.parse and key-import errors can quote the private key.
  let content: unknown;
  try {
    content = JSON.parse(text);
  } catch {
    throw new Error(`identity provider state file ${file} is not valid JSON`);
  }
  const parsed = stateFileSchema.safeParse(content);
  if (!parsed.success) throw new Error(`identity provider state file ${file} is invalid: ${stateProblem(parsed.error.issues[0]!)}`);
  try {
    return { key: await signingKeyFromJwk(parsed.data.signingKey), users: parsed.data.users };
  } catch {
    throw new Error(`identity provider state file ${file} is invalid: signingKey is not a usable private EC P-256 JWK`);
  }
}

export async function writeFileAtomically(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  // Same directory as the target, so rename is atomic; 0o600 because the file holds the private key.
  const temp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  const handle = await open(temp, "wx", 0o600);
  try {
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
