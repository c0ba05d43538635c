import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { ID_PATTERN } from "../functions/domain/ids.ts";
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  errors as joseErrors,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
} from "jose";

/**
 * Local stand-in for the identity provider (Cognito in AWS): registers users, checks passwords,
 * and issues / verifies ES256 id tokens shaped like Cognito's.
 */

export interface Clock {
  now(): Date;
}

export interface LocalIdentityProviderOptions {
  issuer: string;
  audience: string;
  /** Every time (iat/exp of issued tokens, the "now" of verification) comes from this clock. */
  clock: Clock;
  /** When given, the signing key and users survive restarts in this JSON file (mode 0o600). */
  stateFile?: string;
  /** Lifetime of issued id tokens; default 3600. */
  sessionTtlSeconds?: number;
}

export class IdentityProviderError extends Error {
  constructor(
    readonly code: "invalid_request" | "user_exists" | "invalid_credentials",
    message: string,
  ) {
    super(message);
    this.name = "IdentityProviderError";
  }
}

const ALG = "ES256";
/** The service's own id rule (API.md "Conventions"): the platform's user ids are people's JWT subjects. */
const USER_ID_PATTERN = ID_PATTERN;
const MAX_EMAIL_LENGTH = 254;
const MAX_PASSWORD_LENGTH = 256;
const INVALID_CREDENTIALS = "incorrect email or password";
const STATE_VERSION = 1;

// scrypt cost: Node's default N, which keeps local logins and tests fast; this is not a production store.
const SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 32, saltLength: 16 } as const;

interface PasswordHash {
  algorithm: "scrypt";
  N: number;
  r: number;
  p: number;
  salt: string; // base64url
  hash: string; // base64url
}

interface UserRecord {
  userId: string;
  email: string;
  password: PasswordHash;
}

interface StateFileContent {
  version: typeof STATE_VERSION;
  signingKey: JWK; // private EC P-256 JWK
  users: UserRecord[];
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  /** Kept only when there is a state file to write it to. */
  privateJwkForStateFile?: JWK;
}

export class LocalIdentityProvider {
  readonly #issuer: string;
  readonly #audience: string;
  readonly #clock: Clock;
  readonly #stateFile: string | undefined;
  readonly #sessionTtlSeconds: number;
  readonly #key: SigningKey;
  readonly #keySet: JWTVerifyGetKey;
  readonly #usersById = new Map<string, UserRecord>();
  readonly #userIdsByEmail = new Map<string, string>();
  // Serializes user creation so the uniqueness check and the state-file write cannot interleave.
  #writes: Promise<unknown> = Promise.resolve();

  private constructor(options: ResolvedOptions, key: SigningKey, users: UserRecord[]) {
    this.#issuer = options.issuer;
    this.#audience = options.audience;
    this.#clock = options.clock;
    this.#stateFile = options.stateFile;
    this.#sessionTtlSeconds = options.sessionTtlSeconds;
    this.#key = key;
    this.#keySet = createLocalJWKSet(this.jwks());
    for (const user of users) this.#insert(user);
  }

  static async open(options: LocalIdentityProviderOptions): Promise<LocalIdentityProvider> {
    const resolved = resolveOptions(options);
    if (resolved.stateFile === undefined) {
      return new LocalIdentityProvider(resolved, await generateSigningKey(false), []);
    }
    const loaded = await loadStateFile(resolved.stateFile);
    if (loaded) return new LocalIdentityProvider(resolved, loaded.key, loaded.users);
    const provider = new LocalIdentityProvider(resolved, await generateSigningKey(true), []);
    // Write the new key right away so tokens issued before any user exists still verify after a restart.
    await provider.#persist([]);
    return provider;
  }

  async createUser(input: unknown): Promise<{ userId: string; email: string }> {
    const fields = exactStringFields(input, ["userId", "email", "password"]);
    const userId = fields.userId;
    if (!USER_ID_PATTERN.test(userId)) {
      throw invalidRequest(
        "userId must be 1-128 letters, digits or . _ : @ | - (not . or .. alone)",
      );
    }
    const email = normalizeEmail(fields.email);
    if (email === undefined) {
      throw invalidRequest(
        `email must contain exactly one @ with text on both sides, no spaces, at most ${MAX_EMAIL_LENGTH} characters`,
      );
    }
    if (fields.password.length < 1 || fields.password.length > MAX_PASSWORD_LENGTH) {
      throw invalidRequest(`password must be 1-${MAX_PASSWORD_LENGTH} characters`);
    }
    // Hash outside the queue: it is the slow part and needs no shared state.
    const user: UserRecord = { userId, email, password: await hashPassword(fields.password) };

    const created = this.#writes.then(async () => {
      if (this.#usersById.has(userId) || this.#userIdsByEmail.has(email)) {
        throw new IdentityProviderError("user_exists", "a user with this userId or email already exists");
      }
      // Persist first, so a failed write leaves memory and file agreeing.
      await this.#persist([...this.#usersById.values(), user]);
      this.#insert(user);
      return { userId, email };
    });
    this.#writes = created.catch(() => undefined);
    return created;
  }

  async login(input: unknown): Promise<{ idToken: string }> {
    const fields = exactStringFields(input, ["email", "password"]);
    const email = fields.email.toLowerCase();
    const userId = this.#userIdsByEmail.get(email);
    const user = userId === undefined ? undefined : this.#usersById.get(userId);
    // Always run passwordMatches (it hashes even for unknown emails) before looking at the result.
    const matches = await passwordMatches(user, fields.password);
    if (!matches || user === undefined) {
      throw new IdentityProviderError("invalid_credentials", INVALID_CREDENTIALS);
    }

    const issuedAt = Math.floor(this.#clock.now().getTime() / 1000);
    const idToken = await new SignJWT({ email: user.email, token_use: "id" })
      .setProtectedHeader({ alg: ALG, kid: this.#key.kid, typ: "JWT" })
      .setSubject(user.userId)
      .setIssuer(this.#issuer)
      .setAudience(this.#audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + this.#sessionTtlSeconds)
      .sign(this.#key.privateKey);
    return { idToken };
  }

  async verifyPassword(userId: string, password: string): Promise<boolean> {
    const user = typeof userId === "string" ? this.#usersById.get(userId) : undefined;
    return passwordMatches(user, password);
  }

  jwks(): { keys: JWK[] } {
    // A copy each time, so callers cannot alter the key this provider verifies with.
    return { keys: [{ ...this.#key.publicJwk }] };
  }

  async verifySession(jwt: string): Promise<{ sub: string; email?: string; [claim: string]: unknown }> {
    if (typeof jwt !== "string" || jwt.length === 0) {
      throw new IdentityProviderError("invalid_credentials", "session token is missing");
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(jwt, this.#keySet, {
        issuer: this.#issuer,
        audience: this.#audience,
        algorithms: [ALG],
        currentDate: this.#clock.now(),
        requiredClaims: ["sub", "iat", "exp"],
      }));
    } catch (error) {
      // Only jose's error code: its errors can carry the token's claims, which callers should not echo.
      const reason = error instanceof joseErrors.JOSEError ? ` (${error.code})` : "";
      throw new IdentityProviderError("invalid_credentials", `session token is invalid or expired${reason}`);
    }
    // Access tokens and other token kinds signed by the same key are not sessions.
    if (payload.token_use !== "id" || typeof payload.sub !== "string") {
      throw new IdentityProviderError("invalid_credentials", "session token is not an id token");
    }
    if (payload.email !== undefined && typeof payload.email !== "string") {
      throw new IdentityProviderError("invalid_credentials", "session token has a malformed email claim");
    }
    return payload as { sub: string; email?: string; [claim: string]: unknown };
  }

  #insert(user: UserRecord): void {
    this.#usersById.set(user.userId, user);
    this.#userIdsByEmail.set(user.email, user.userId);
  }

  async #persist(users: UserRecord[]): Promise<void> {
    const file = this.#stateFile;
    const signingKey = this.#key.privateJwkForStateFile;
    if (file === undefined || signingKey === undefined) return;
    const content: StateFileContent = { version: STATE_VERSION, signingKey, users };
    await writeFileAtomically(file, `${JSON.stringify(content, null, 2)}\n`);
  }
}

interface ResolvedOptions {
  issuer: string;
  audience: string;
  clock: Clock;
  stateFile: string | undefined;
  sessionTtlSeconds: number;
}

function resolveOptions(options: LocalIdentityProviderOptions): ResolvedOptions {
  if (typeof options.issuer !== "string" || options.issuer.length === 0) {
    throw new TypeError("LocalIdentityProvider: issuer must be a non-empty string");
  }
  if (typeof options.audience !== "string" || options.audience.length === 0) {
    throw new TypeError("LocalIdentityProvider: audience must be a non-empty string");
  }
  if (typeof options.clock?.now !== "function") {
    throw new TypeError("LocalIdentityProvider: clock must have a now() method");
  }
  if (options.stateFile !== undefined && (typeof options.stateFile !== "string" || options.stateFile.length === 0)) {
    throw new TypeError("LocalIdentityProvider: stateFile must be a non-empty string when given");
  }
  const sessionTtlSeconds = options.sessionTtlSeconds ?? 3600;
  if (!Number.isSafeInteger(sessionTtlSeconds) || sessionTtlSeconds <= 0) {
    throw new TypeError("LocalIdentityProvider: sessionTtlSeconds must be a positive integer");
  }
  return {
    issuer: options.issuer,
    audience: options.audience,
    clock: options.clock,
    stateFile: options.stateFile,
    sessionTtlSeconds,
  };
}

function invalidRequest(message: string): IdentityProviderError {
  return new IdentityProviderError("invalid_request", message);
}

/** Checks that input is a plain object with exactly these keys, all strings. Messages name fields, never values. */
function exactStringFields<K extends string>(input: unknown, keys: readonly K[]): Record<K, string> {
  const expected = keys.join(", ");
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw invalidRequest(`request body must be an object with fields: ${expected}`);
  }
  const allowed = new Set<string>(keys);
  for (const key of Object.keys(input)) {
    if (!allowed.has(key)) {
      throw invalidRequest(`unknown field ${JSON.stringify(key.slice(0, 64))}; allowed fields: ${expected}`);
    }
  }
  const record = input as Record<string, unknown>;
  const result = {} as Record<K, string>;
  for (const key of keys) {
    if (!Object.hasOwn(record, key)) throw invalidRequest(`missing field "${key}"`);
    const value = record[key];
    if (typeof value !== "string") throw invalidRequest(`field "${key}" must be a string`);
    result[key] = value;
  }
  return result;
}

function normalizeEmail(raw: string): string | undefined {
  const email = raw.toLowerCase();
  if (email.length > MAX_EMAIL_LENGTH || /\s/.test(email)) return undefined;
  const parts = email.split("@");
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return email;
}

function deriveKey(password: string, salt: Buffer, params: { N: number; r: number; p: number }, length: number) {
  return new Promise<Buffer>((resolve, reject) => {
    const maxmem = 256 * params.N * params.r + 1024 * 1024; // scrypt needs ~128*N*r bytes
    scrypt(password, salt, length, { N: params.N, r: params.r, p: params.p, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = randomBytes(SCRYPT.saltLength);
  const hash = await deriveKey(password, salt, SCRYPT, SCRYPT.keyLength);
  return {
    algorithm: "scrypt",
    N: SCRYPT.N,
    r: SCRYPT.r,
    p: SCRYPT.p,
    salt: salt.toString("base64url"),
    hash: hash.toString("base64url"),
  };
}

// Unknown users still cost one scrypt run, so response time does not reveal which emails exist.
const DUMMY_SALT = randomBytes(SCRYPT.saltLength);

async function passwordMatches(user: UserRecord | undefined, password: string): Promise<boolean> {
  if (typeof password !== "string" || password.length === 0 || password.length > MAX_PASSWORD_LENGTH) {
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

async function generateSigningKey(forStateFile: boolean): Promise<SigningKey> {
  // Only a key that must be written to the state file is extractable.
  const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: forStateFile });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const key: SigningKey = { kid, privateKey, publicJwk: { ...publicJwk, kid, alg: ALG, use: "sig" } };
  if (forStateFile) key.privateJwkForStateFile = await exportJWK(privateKey);
  return key;
}

async function signingKeyFromJwk(jwk: JWK): Promise<SigningKey> {
  const { kty, crv, x, y, d } = jwk;
  if (kty !== "EC" || crv !== "P-256" || typeof x !== "string" || typeof y !== "string" || typeof d !== "string") {
    throw new Error("signingKey must be a private EC P-256 JWK");
  }
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
async function loadStateFile(file: string): Promise<{ key: SigningKey; users: UserRecord[] } | undefined> {
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
  let problem: string | undefined;
  let result: { key: SigningKey; users: UserRecord[] } | undefined;
  try {
    result = await parseState(content);
  } catch (error) {
    problem = error instanceof StateError ? error.message : "unreadable content";
  }
  if (result === undefined) throw new Error(`identity provider state file ${file} is invalid: ${problem}`);
  return result;
}

class StateError extends Error {}

async function parseState(content: unknown): Promise<{ key: SigningKey; users: UserRecord[] }> {
  if (typeof content !== "object" || content === null) throw new StateError("not an object");
  const { version, signingKey, users } = content as Partial<Record<keyof StateFileContent, unknown>>;
  if (version !== STATE_VERSION) throw new StateError(`unsupported version (expected ${STATE_VERSION})`);
  if (typeof signingKey !== "object" || signingKey === null) throw new StateError("signingKey is missing");
  if (!Array.isArray(users)) throw new StateError("users must be an array");
  const parsedUsers = users.map((user, index) => parseUser(user, index));
  const ids = new Set(parsedUsers.map((user) => user.userId));
  const emails = new Set(parsedUsers.map((user) => user.email));
  if (ids.size !== parsedUsers.length || emails.size !== parsedUsers.length) {
    throw new StateError("users contain a duplicate userId or email");
  }
  let key: SigningKey;
  try {
    key = await signingKeyFromJwk(signingKey as JWK);
  } catch {
    throw new StateError("signingKey is not a usable private EC P-256 JWK");
  }
  return { key, users: parsedUsers };
}

function parseUser(raw: unknown, index: number): UserRecord {
  const fail = (what: string) => new StateError(`users[${index}]: ${what}`);
  if (typeof raw !== "object" || raw === null) throw fail("not an object");
  const { userId, email, password } = raw as Record<string, unknown>;
  if (typeof userId !== "string" || !USER_ID_PATTERN.test(userId)) throw fail("bad userId");
  if (typeof email !== "string" || normalizeEmail(email) !== email) throw fail("bad email");
  if (typeof password !== "object" || password === null) throw fail("password hash missing");
  const { algorithm, N, r, p, salt, hash } = password as Record<string, unknown>;
  const isInt = (value: unknown, min: number, max: number): value is number =>
    Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;
  // Bounds keep a hand-edited file from demanding huge amounts of memory or time per login.
  if (
    algorithm !== "scrypt" ||
    !isInt(N, 1024, 1 << 17) ||
    (N & (N - 1)) !== 0 ||
    !isInt(r, 1, 16) ||
    !isInt(p, 1, 16) ||
    typeof salt !== "string" ||
    typeof hash !== "string" ||
    Buffer.from(salt, "base64url").length < 8 ||
    Buffer.from(hash, "base64url").length < 16 ||
    Buffer.from(hash, "base64url").length > 128
  ) {
    throw fail("bad password hash");
  }
  return { userId, email, password: { algorithm, N, r, p, salt, hash } };
}

async function writeFileAtomically(file: string, text: string): Promise<void> {
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
