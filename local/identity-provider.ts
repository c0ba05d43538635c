import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import { ID_PATTERN } from "../functions/domain/ids.ts";
import { hashPassword, MAX_PASSWORD_LENGTH, passwordHashSchema, passwordMatches } from "./password-hashing.ts";
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
/** The ID tokens' signing algorithm, for the OpenID Connect discovery document. */
export const SIGNING_ALGORITHM = ALG;
export const AUTHORIZATION_CODE_TTL_SECONDS = 60;

/** A token-endpoint failure, with RFC 6749's error code. */
export class AuthorizationCodeError extends Error {
  constructor(
    readonly code: "invalid_grant" | "invalid_request",
    message: string,
  ) {
    super(message);
    this.name = "AuthorizationCodeError";
  }
}

export interface AuthorizationCodeRequest {
  email: string;
  password: string;
  clientId: string;
  redirectUri: string;
  /** S256 only: base64url(SHA-256(code_verifier)). */
  codeChallenge: string;
  nonce?: string;
  scope: string;
}

interface AuthorizationCodeGrant {
  userId: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  nonce: string | undefined;
  scope: string;
  expiresAtMs: number;
}
const MAX_EMAIL_LENGTH = 254;
const INVALID_CREDENTIALS = "incorrect email or password";
const STATE_VERSION = 1;

/** Exactly one @ with text on both sides, no white space (checked on the lower-cased address). */
const isEmail = (email: string) => email.length <= MAX_EMAIL_LENGTH && /^[^\s@]+@[^\s@]+$/.test(email);

/** The request bodies: first the fields (exactly these, all strings), then what each must hold. */
function stringFields<K extends string>(...keys: K[]) {
  const expected = keys.join(", ");
  const field = (key: K) =>
    z.string({ error: (issue) => (issue.input === undefined ? `missing field "${key}"` : `field "${key}" must be a string`) });
  return z.strictObject(Object.fromEntries(keys.map((key) => [key, field(key)])) as Record<K, ReturnType<typeof field>>, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown field ${JSON.stringify(issue.keys[0]!.slice(0, 64))}; allowed fields: ${expected}`
        : `request body must be an object with fields: ${expected}`,
  });
}
const newUserFields = stringFields("userId", "email", "password");
const loginFields = stringFields("email", "password");
const newUserSchema = z.object({
  userId: z.string().regex(ID_PATTERN, "userId must be 1-128 letters, digits or . _ : @ | - (not . or .. alone)"),
  email: z
    .string()
    .transform((email) => email.toLowerCase())
    .refine(isEmail, `email must contain exactly one @ with text on both sides, no spaces, at most ${MAX_EMAIL_LENGTH} characters`),
  password: z
    .string()
    .min(1, `password must be 1-${MAX_PASSWORD_LENGTH} characters`)
    .max(MAX_PASSWORD_LENGTH, `password must be 1-${MAX_PASSWORD_LENGTH} characters`),
});

/** Validates with the schema, or throws `invalid_request` with the first problem (field names only, never values). */
function parseRequest<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const { issues } = result.error;
  throw new IdentityProviderError("invalid_request", (issues.find((issue) => issue.code === "unrecognized_keys") ?? issues[0])!.message);
}

const userRecordSchema = z.object({
  userId: z.string().regex(ID_PATTERN),
  email: z.string().refine((email) => email === email.toLowerCase() && isEmail(email)),
  password: passwordHashSchema,
});
type UserRecord = z.infer<typeof userRecordSchema>;

/** A verified JWT is a session only if it is an id token (access tokens signed by the same key are not). */
const sessionClaimsSchema = z.looseObject({ token_use: z.literal("id"), sub: z.string(), email: z.string().optional() });

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

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  /** Kept only when there is a state file to write it to. */
  privateJwkForStateFile?: JWK;
}

export class LocalIdentityProvider {
  readonly #options: ResolvedOptions;
  readonly #key: SigningKey;
  readonly #keySet: JWTVerifyGetKey;
  readonly #usersById = new Map<string, UserRecord>();
  readonly #userIdsByEmail = new Map<string, string>();
  readonly #codes = new Map<string, AuthorizationCodeGrant>();
  // Serializes user creation so the uniqueness check and the state-file write cannot interleave.
  #writes: Promise<unknown> = Promise.resolve();

  private constructor(options: ResolvedOptions, key: SigningKey, users: UserRecord[]) {
    this.#options = options;
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
    const { userId, email, password } = parseRequest(newUserSchema, parseRequest(newUserFields, input));
    // Hash outside the queue: it is the slow part and needs no shared state.
    const user: UserRecord = { userId, email, password: await hashPassword(password) };

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
    const fields = parseRequest(loginFields, input);
    const user = await this.#authenticate(fields.email, fields.password);
    return { idToken: await this.#signIdToken(user, {}) };
  }

  get issuer(): string {
    return this.#options.issuer;
  }

  /** The one app client this provider knows (OIDC `client_id`): the audience of its ID tokens. */
  get audience(): string {
    return this.#options.audience;
  }

  /**
   * The authorization code flow's sign-in: checks the credentials (the same way as login, no user enumeration)
   * and returns a single-use code bound to the request, valid for 60 s of this provider's clock.
   */
  async createAuthorizationCode(request: AuthorizationCodeRequest): Promise<string> {
    const user = await this.#authenticate(request.email, request.password);
    const now = this.#options.clock.now().getTime();
    for (const [code, grant] of this.#codes) if (grant.expiresAtMs <= now) this.#codes.delete(code);
    const code = randomBytes(32).toString("base64url");
    this.#codes.set(code, {
      userId: user.userId,
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      nonce: request.nonce,
      scope: request.scope,
      expiresAtMs: now + AUTHORIZATION_CODE_TTL_SECONDS * 1000,
    });
    return code;
  }

  /**
   * Redeems a code once (any attempt uses it up): the ID token exactly as login issues it (plus `nonce` when the
   * authorization request had one) and an access token (token_use "access", never accepted as a session).
   */
  async redeemAuthorizationCode(request: {
    code: string;
    clientId: string;
    redirectUri: string;
    codeVerifier: string;
  }): Promise<{ idToken: string; accessToken: string; expiresIn: number }> {
    const grant = this.#codes.get(request.code);
    this.#codes.delete(request.code);
    const invalid = (message: string) => new AuthorizationCodeError("invalid_grant", message);
    if (grant === undefined) throw invalid("The authorization code is unknown or was already used.");
    if (grant.expiresAtMs <= this.#options.clock.now().getTime()) throw invalid("The authorization code has expired.");
    if (grant.clientId !== request.clientId) throw invalid("The authorization code was issued to another client.");
    if (grant.redirectUri !== request.redirectUri) throw invalid("redirect_uri differs from the authorization request's.");
    const challenge = Buffer.from(createHash("sha256").update(request.codeVerifier, "ascii").digest("base64url"));
    const expected = Buffer.from(grant.codeChallenge);
    if (challenge.length !== expected.length || !timingSafeEqual(challenge, expected)) {
      throw invalid("code_verifier does not match the code_challenge.");
    }
    const user = this.#usersById.get(grant.userId);
    if (user === undefined) throw invalid("The user no longer exists.");
    const idToken = await this.#signIdToken(user, grant.nonce === undefined ? {} : { nonce: grant.nonce });
    const issuedAt = Math.floor(this.#options.clock.now().getTime() / 1000);
    const accessToken = await new SignJWT({ token_use: "access", client_id: grant.clientId, scope: grant.scope })
      .setProtectedHeader({ alg: ALG, kid: this.#key.kid, typ: "JWT" })
      .setSubject(user.userId)
      .setIssuer(this.#options.issuer)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + this.#options.sessionTtlSeconds)
      .setJti(randomBytes(16).toString("base64url"))
      .sign(this.#key.privateKey);
    return { idToken, accessToken, expiresIn: this.#options.sessionTtlSeconds };
  }

  async #authenticate(emailInput: string, password: string): Promise<UserRecord> {
    const email = emailInput.toLowerCase();
    const userId = this.#userIdsByEmail.get(email);
    const user = userId === undefined ? undefined : this.#usersById.get(userId);
    // Always run passwordMatches (it hashes even for unknown emails) before looking at the result.
    const matches = await passwordMatches(user, password);
    if (!matches || user === undefined) {
      throw new IdentityProviderError("invalid_credentials", INVALID_CREDENTIALS);
    }
    return user;
  }

  async #signIdToken(user: UserRecord, extraClaims: { nonce?: string }): Promise<string> {
    const issuedAt = Math.floor(this.#options.clock.now().getTime() / 1000);
    return new SignJWT({ email: user.email, token_use: "id", ...extraClaims })
      .setProtectedHeader({ alg: ALG, kid: this.#key.kid, typ: "JWT" })
      .setSubject(user.userId)
      .setIssuer(this.#options.issuer)
      .setAudience(this.#options.audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + this.#options.sessionTtlSeconds)
      .sign(this.#key.privateKey);
  }

  async verifyPassword(userId: string, password: string): Promise<boolean> {
    return passwordMatches(this.#usersById.get(userId), password);
  }

  jwks(): { keys: JWK[] } {
    // A copy each time, so callers cannot alter the key this provider verifies with.
    return { keys: [{ ...this.#key.publicJwk }] };
  }

  async verifySession(jwt: string): Promise<{ sub: string; email?: string; [claim: string]: unknown }> {
    if (jwt.length === 0) {
      throw new IdentityProviderError("invalid_credentials", "session token is missing");
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(jwt, this.#keySet, {
        issuer: this.#options.issuer,
        audience: this.#options.audience,
        algorithms: [ALG],
        currentDate: this.#options.clock.now(),
        requiredClaims: ["sub", "iat", "exp"],
      }));
    } catch (error) {
      // Only jose's error code: its errors can carry the token's claims, which callers should not echo.
      const reason = error instanceof joseErrors.JOSEError ? ` (${error.code})` : "";
      throw new IdentityProviderError("invalid_credentials", `session token is invalid or expired${reason}`);
    }
    const claims = sessionClaimsSchema.safeParse(payload);
    if (!claims.success) {
      const malformedEmail = claims.error.issues[0]?.path[0] === "email";
      throw new IdentityProviderError(
        "invalid_credentials",
        malformedEmail ? "session token has a malformed email claim" : "session token is not an id token",
      );
    }
    return claims.data;
  }

  #insert(user: UserRecord): void {
    this.#usersById.set(user.userId, user);
    this.#userIdsByEmail.set(user.email, user.userId);
  }

  async #persist(users: UserRecord[]): Promise<void> {
    const file = this.#options.stateFile;
    const signingKey = this.#key.privateJwkForStateFile;
    if (file === undefined || signingKey === undefined) return;
    const content = { version: STATE_VERSION, signingKey, users };
    await writeFileAtomically(file, `${JSON.stringify(content, null, 2)}\n`);
  }
}

/** The options are typed; what types cannot say (non-empty, positive) is checked here. */
const optionsSchema = z.object({
  issuer: z.string().min(1),
  audience: z.string().min(1),
  clock: z.custom<Clock>(),
  stateFile: z.string().min(1).optional(),
  sessionTtlSeconds: z.int().positive().default(3600),
});
type ResolvedOptions = z.output<typeof optionsSchema>;

function resolveOptions(options: LocalIdentityProviderOptions): ResolvedOptions {
  const result = optionsSchema.safeParse(options);
  if (!result.success) {
    throw new TypeError(`LocalIdentityProvider: invalid ${result.error.issues.map((issue) => issue.path.join(".")).join(", ")}`);
  }
  return result.data;
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
  const parsed = stateFileSchema.safeParse(content);
  if (!parsed.success) throw new Error(`identity provider state file ${file} is invalid: ${stateProblem(parsed.error.issues[0]!)}`);
  try {
    return { key: await signingKeyFromJwk(parsed.data.signingKey), users: parsed.data.users };
  } catch {
    throw new Error(`identity provider state file ${file} is invalid: signingKey is not a usable private EC P-256 JWK`);
  }
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
