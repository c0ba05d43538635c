import {
  AdminInitiateAuthCommand,
  CognitoIdentityProviderClient,
  ListUsersCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import type { PasswordCheck } from "../../domain/ports.ts";

/**
 * Re-checks a person's password against the Cognito user pool with AdminInitiateAuth
 * (ADMIN_USER_PASSWORD_AUTH). The session only carries the person's `sub`, so the pool's username is looked
 * up by it first. Any answer other than "not authorized" means the password was right (a pool with MFA
 * answers with a challenge, which we do not pursue: the session already proved the person is signed in).
 */
export class CognitoPasswordCheck implements PasswordCheck {
  constructor(
    private readonly client: CognitoIdentityProviderClient,
    private readonly userPoolId: string,
    private readonly clientId: string,
  ) {}

  async verify(userId: string, password: string): Promise<boolean> {
    // userId is a validated id (no quotes), so it cannot break out of the filter expression.
    const found = await this.client.send(
      new ListUsersCommand({ UserPoolId: this.userPoolId, Filter: `sub = "${userId}"`, Limit: 1 }),
    );
    const username = found.Users?.[0]?.Username;
    if (!username) return false;
    try {
      await this.client.send(
        new AdminInitiateAuthCommand({
          UserPoolId: this.userPoolId,
          ClientId: this.clientId,
          AuthFlow: "ADMIN_USER_PASSWORD_AUTH",
          AuthParameters: { USERNAME: username, PASSWORD: password },
        }),
      );
      return true;
    } catch (error) {
      // Wrong password, too many attempts at Cognito, or a disabled user: a failed check, never an error.
      if (["NotAuthorizedException", "UserNotFoundException", "PasswordResetRequiredException", "UserNotConfirmedException"].includes((error as Error).name)) {
        return false;
      }
      throw error;
    }
  }
}
