import * as z from "zod/mini";

/**
 * The functions' configuration, read from the environment the CDK stack (or the local server) sets, and
 * validated at cold start so a misconfigured function fails loudly on its first invocation.
 * zod/mini keeps this out of the way of the verify bundle's size.
 */
const baseSchema = z.object({
  TABLE_NAME: z.string().check(z.minLength(3)),
  /** The activity log's own table (append and read only). */
  ACTIVITY_TABLE_NAME: z.string().check(z.minLength(3)),
  /** Local mode only: DynamoDB Local's address. Unset in AWS. */
  DYNAMODB_ENDPOINT: z.optional(z.url()),
  /** `test` lets the local server move time forward (POST /local/clock); never set in AWS. */
  CLOCK: z._default(z.enum(["system", "test"]), "system"),
  /**
   * The secret that seals list cursors (HMAC). Only the list functions get it: the CDK stack passes a secret
   * it generated (Secrets Manager), the local server a development key. Required by `requireCursorKey()`.
   */
  CURSOR_KEY: z.optional(z.string().check(z.minLength(32))),
});

const passwordCheckSchema = z.discriminatedUnion("PASSWORD_CHECK", [
  z.object({
    PASSWORD_CHECK: z.literal("cognito"),
    COGNITO_USER_POOL_ID: z.string().check(z.minLength(1)),
    COGNITO_CLIENT_ID: z.string().check(z.minLength(1)),
  }),
  /** The local identity provider, in the local server's own process (no URL: it has no password route). */
  z.object({ PASSWORD_CHECK: z.literal("local") }),
  /** An identity provider whose passwords this service cannot check (an external OIDC issuer). */
  z.object({ PASSWORD_CHECK: z.literal("none") }),
]);

/**
 * A claim name: printable ASCII without spaces (`sub`, `custom:platform_user_id`, or a namespaced URL such
 * as `https://example.com/user_id` for issuers that require one), never a claim that cannot name a person.
 */
const CLAIM_NAME = /^[\x21-\x7e]{1,256}$/;
const NOT_A_PERSON_CLAIM = new Set(["iss", "aud", "exp", "nbf", "iat", "jti", "auth_time", "token_use", "client_id", "scope"]);

/** Read by the functions that take a person's session (the management routes), not by verify. */
const sessionSchema = z.object({
  /**
   * The JWT claim that carries the platform's user id (API.md Conventions): `sub` for an external issuer;
   * with the built-in Cognito pool, whose `sub` Cognito generates, a custom attribute such as
   * `custom:platform_user_id`. Unset or empty: `sub`.
   */
  SESSION_USER_ID_CLAIM: z.optional(
    z.union([
      z.literal(""),
      z.string().check(
        z.regex(CLAIM_NAME),
        z.refine((claim) => !NOT_A_PERSON_CLAIM.has(claim)),
      ),
    ]),
  ),
});

export type BaseConfig = z.infer<typeof baseSchema>;
export type PasswordCheckConfig = z.infer<typeof passwordCheckSchema>;

function parse<T>(schema: z.ZodMiniType<T>, what: string): T {
  const result = schema.safeParse(process.env);
  if (!result.success) {
    // Names only: values may be secrets.
    const fields = result.error.issues.map((issue) => issue.path.join(".")).join(", ");
    throw new Error(`Invalid ${what} configuration in the environment: ${fields}`);
  }
  return result.data;
}

export const readBaseConfig = (): BaseConfig => parse(baseSchema, "base");
export const readPasswordCheckConfig = (): PasswordCheckConfig => parse(passwordCheckSchema, "password check");

export interface SessionConfig {
  /** The claim that names the person (`SESSION_USER_ID_CLAIM`, default `sub`). */
  readonly userIdClaim: string;
}
export function readSessionConfig(): SessionConfig {
  const { SESSION_USER_ID_CLAIM } = parse(sessionSchema, "session");
  return { userIdClaim: SESSION_USER_ID_CLAIM || "sub" };
}

/** For the list functions, at cold start: without the key they could not hand out or take back a cursor. */
export function requireCursorKey(): string {
  const { CURSOR_KEY } = readBaseConfig();
  if (!CURSOR_KEY) throw new Error("Invalid cursor configuration in the environment: CURSOR_KEY");
  return CURSOR_KEY;
}
