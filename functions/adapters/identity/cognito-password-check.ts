import { AdminInitiateAuthCommand, type CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { DomainError } from "../../domain/errors.ts";
import type { PasswordCheck, SessionPerson } from "../../domain/ports.ts";

/**
 * Re-checks a person's password against the Cognito user pool with AdminInitiateAuth
 * (ADMIN_USER_PASSWORD_AUTH), as the pool user the session itself names (`cognito:username`, which the JWT
 * authorizer has verified). Never by searching the pool for the platform id: that id may live in a custom
 * attribute, which ListUsers cannot filter on, and the session already says which user it is.
 * Any answer other than "not authorized" means the password was right (a pool with MFA answers with a
 * challenge, which we do not pursue: the session already proved the person is signed in).
 */
export class CognitoPasswordCheck implements PasswordCheck {
  constructor(
    private readonly client: CognitoIdentityProviderClient,
    private readonly userPoolId: string,
    private readonly clientId: string,
  ) {}

  async verify(person: SessionPerson, password: string): Promise<boolean> {
    const username = person.signInName;
    if (typeof username !== "string" || username.length === 0) {
      // Every ID token of the pool carries `cognito:username`: a session without it is not one of this pool's,
      // so there is no pool user to check. Thrown (401), never a wrong password: it must not count toward the lock.
      throw new DomainError(
        "unauthenticated",
        "Your session does not come from this service's sign-in (its ID token has no `cognito:username`). Sign in again and send that ID token.",
      );
    }
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
      if (
        ["NotAuthorizedException", "UserNotFoundException", "PasswordResetRequiredException", "UserNotConfirmedException"].includes(
          (error as Error).name,
        )
      ) {
        return false;
      }
      throw error;
    }
  }
}
