import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { CognitoPasswordCheck } from "../adapters/identity/cognito-password-check.ts";
import { LocalPasswordCheck } from "../adapters/identity/local-password-check.ts";
import { DomainError } from "../domain/errors.ts";
import type { PasswordCheck } from "../domain/ports.ts";
import { readPasswordCheckConfig } from "./config.ts";

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
