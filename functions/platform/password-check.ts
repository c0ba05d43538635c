import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { CognitoPasswordCheck } from "../adapters/identity/cognito-password-check.ts";
import { LocalPasswordCheck } from "../adapters/identity/local-password-check.ts";
import { DomainError } from "../domain/errors.ts";
import type { PasswordCheck } from "../domain/ports.ts";
import * as z from "zod/mini";

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

export type PasswordCheckConfig = z.infer<typeof passwordCheckSchema>;

/** The password-check settings, checked at cold start; errors name the variables, never their values. */
export function readPasswordCheckConfig(env: Readonly<Record<string, string | undefined>> = process.env): PasswordCheckConfig {
  const result = passwordCheckSchema.safeParse(env);
  if (!result.success) {
    const fields = result.error.issues.map((issue) => issue.path.join(".") || "PASSWORD_CHECK").join(", ");
    throw new Error(`Invalid password check configuration in the environment: ${fields}`);
  }
  return result.data;
}

/** Wires the password re-check to the configured identity provider. */
export function createPasswordCheck(): PasswordCheck {
  const config = readPasswordCheckConfig();
  switch (config.PASSWORD_CHECK) {
    case "local":
      return new LocalPasswordCheck();
    case "cognito":
      return new CognitoPasswordCheck(
        new CognitoIdentityProviderClient({ maxAttempts: 3 }),
        config.COGNITO_USER_POOL_ID,
        config.COGNITO_CLIENT_ID,
      );
    case "none":
      // Sessions come from an issuer whose passwords cannot be re-checked here: only organizations that
      // enforce SSO (no password needed) can have user tokens. Thrown, not "wrong", so nobody gets locked out.
      return {
        verify: async () => {
          throw new DomainError(
            "invalid_password",
            "This deployment cannot check passwords. Ask your administrator to enforce SSO-only login for your organization, which needs no password for API tokens.",
          );
        },
      };
  }
}
