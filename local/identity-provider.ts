import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { ID_PATTERN } from "../functions/domain/ids.ts";
import {
  ALG,
  generateSigningKey,
  isEmail,
  loadStateFile,
  MAX_EMAIL_LENGTH,
  type SigningKey,
  STATE_VERSION,
  type UserRecord,
  writeFileAtomically,
} from "./identity-provider-state.ts";
import { hashPassword, MAX_PASSWORD_LENGTH, passwordMatches } from "./password-hashing.ts";
import { createLocalJWKSet, errors as joseErrors, jwtVerify, SignJWT, type JWK, type JWTPayload, type JWTVerifyGetKey } from "jose";

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
const INVALID_CREDENTIALS = "incorrect email or password";

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

/** A verified JWT is a session only if it is an id token (access tokens signed by the same key are not). */
const sessionClaimsSchema = z.looseObject({ token_use: z.literal("id"), sub: z.string(), email: z.string().optional() });

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
