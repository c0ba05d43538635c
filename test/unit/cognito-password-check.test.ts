import {
  AdminInitiateAuthCommand,
  NotAuthorizedException,
  UserNotFoundException,
  type CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import { describe, expect, test } from "vitest";
import { CognitoPasswordCheck } from "../../functions/adapters/identity/cognito-password-check.ts";
import { DomainError } from "../../functions/domain/errors.ts";

/** Cognito cannot run here: a recording stand-in for the client checks what the adapter asks and how it reads answers. */
function fakeCognito(answer: (command: unknown) => unknown) {
  const sent: unknown[] = [];
  const client = {
    send: async (command: unknown) => {
      sent.push(command);
      const result = answer(command);
      if (result instanceof Error) throw result;
      return result;
    },
  } as unknown as CognitoIdentityProviderClient;
  return { client, sent };
}

/** What a session from the built-in pool says: the platform id (a custom attribute) and the pool's username. */
const ada = { userId: "plat-ada", signInName: "ada-username" };

describe("the Cognito password check", () => {
  test("asks AdminInitiateAuth as the pool user the session names (cognito:username), and nothing else", async () => {
    const cognito = fakeCognito(() => ({ AuthenticationResult: {} }));
    const check = new CognitoPasswordCheck(cognito.client, "pool-1", "client-1");
    expect(await check.verify(ada, "right")).toBe(true);
    // One request, and no ListUsers: the platform id may be a custom attribute, which ListUsers cannot filter on.
    expect(cognito.sent).toHaveLength(1);
    const [auth] = cognito.sent;
    expect(auth).toBeInstanceOf(AdminInitiateAuthCommand);
    expect((auth as AdminInitiateAuthCommand).input).toEqual({
      UserPoolId: "pool-1",
      ClientId: "client-1",
      AuthFlow: "ADMIN_USER_PASSWORD_AUTH",
      AuthParameters: { USERNAME: "ada-username", PASSWORD: "right" },
    });
  });

  test("a session without cognito:username is not from this pool: 401 unauthenticated, Cognito not asked", async () => {
    for (const signInName of [undefined, ""]) {
      const cognito = fakeCognito(() => ({ AuthenticationResult: {} }));
      const attempt = new CognitoPasswordCheck(cognito.client, "p", "c").verify({ userId: "plat-ada", signInName }, "right");
      // Thrown (the throttle gives the place back), never `false` (which would count as a wrong password).
      await expect(attempt).rejects.toBeInstanceOf(DomainError);
      await expect(attempt).rejects.toMatchObject({ code: "unauthenticated", message: expect.stringContaining("cognito:username") });
      expect(cognito.sent).toEqual([]);
    }
  });

  test("a wrong password, or a pool user that is gone, is a failed check, not an error", async () => {
    const wrong = fakeCognito(() => new NotAuthorizedException({ message: "Incorrect username or password.", $metadata: {} }));
    expect(await new CognitoPasswordCheck(wrong.client, "p", "c").verify(ada, "wrong")).toBe(false);
    const gone = fakeCognito(() => new UserNotFoundException({ message: "User does not exist.", $metadata: {} }));
    expect(await new CognitoPasswordCheck(gone.client, "p", "c").verify(ada, "x")).toBe(false);
  });

  test("an outage is an error (so the request fails instead of counting a wrong password)", async () => {
    const down = fakeCognito(() => Object.assign(new Error("boom"), { name: "InternalErrorException" }));
    await expect(new CognitoPasswordCheck(down.client, "p", "c").verify(ada, "x")).rejects.toThrow("boom");
  });
});

describe("a deployment whose identity provider cannot check passwords", () => {
  test("answers invalid_password with what to do, instead of failing at cold start", async () => {
    const { createPasswordCheck } = await import("../../functions/platform/password-check.ts");
    const previous = process.env.PASSWORD_CHECK;
    process.env.PASSWORD_CHECK = "none";
    try {
      const check = createPasswordCheck();
      await expect(check.verify({ userId: "ada" }, "pw")).rejects.toMatchObject({
        code: "invalid_password",
        message: expect.stringContaining("SSO"),
      });
    } finally {
      if (previous === undefined) delete process.env.PASSWORD_CHECK;
      else process.env.PASSWORD_CHECK = previous;
    }
  });
});
