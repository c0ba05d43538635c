import { LocalPasswordCheck } from "../adapters/identity/local-password-check.ts";
import type { PasswordCheck } from "../domain/ports.ts";
import { readPasswordCheckConfig } from "./config.ts";

/** Wires the password re-check to the configured identity provider. */
export function createPasswordCheck(): PasswordCheck {
  const config = readPasswordCheckConfig();
  switch (config.PASSWORD_CHECK) {
    case "local":
      return new LocalPasswordCheck(config.LOCAL_IDP_URL);
    case "cognito":
      // The Cognito adapter (AdminInitiateAuth) arrives with the deployment issue; fail loudly, never open.
      return {
        verify: async () => {
          throw new Error("The Cognito password check is not implemented yet");
        },
      };
  }
}
