import {
  AdminInitiateAuthCommand,
  ListUsersCommand,
  NotAuthorizedException,
  type CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import { describe, expect, test } from "vitest";
import { CognitoPasswordCheck } from "../../functions/adapters/identity/cognito-password-check.ts";

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

describe("the Cognito password check", () => {
  test("finds the username by sub, then asks AdminInitiateAuth with the password", async () => {
    const cognito = fakeCognito((command) =>
      command instanceof ListUsersCommand ? { Users: [{ Username: "ada-username" }] } : { AuthenticationResult: {} },
    );
    const check = new CognitoPasswordCheck(cognito.client, "pool-1", "client-1");
    expect(await check.verify("sub-123", "right")).toBe(true);
    const [list, auth] = cognito.sent as [ListUsersCommand, AdminInitiateAuthCommand];
    expect(list.input).toEqual({ UserPoolId: "pool-1", Filter: 'sub = "sub-123"', Limit: 1 });
    expect(auth.input).toEqual({
      UserPoolId: "pool-1",
      ClientId: "client-1",
      AuthFlow: "ADMIN_USER_PASSWORD_AUTH",
      AuthParameters: { USERNAME: "ada-username", PASSWORD: "right" },
    });
  });

  test("a wrong password or an unknown person is a failed check, not an error", async () => {
    const wrong = fakeCognito((command) =>
      command instanceof ListUsersCommand
        ? { Users: [{ Username: "u" }] }
        : new NotAuthorizedException({ message: "Incorrect username or password.", $metadata: {} }),
    );
    expect(await new CognitoPasswordCheck(wrong.client, "p", "c").verify("s", "wrong")).toBe(false);
    const unknown = fakeCognito(() => ({ Users: [] }));
    expect(await new CognitoPasswordCheck(unknown.client, "p", "c").verify("s", "x")).toBe(false);
    expect(unknown.sent).toHaveLength(1);
  });

  test("an outage is an error (so the request fails instead of counting a wrong password)", async () => {
    const down = fakeCognito(() => Object.assign(new Error("boom"), { name: "InternalErrorException" }));
    await expect(new CognitoPasswordCheck(down.client, "p", "c").verify("s", "x")).rejects.toThrow("boom");
  });
});

describe("a deployment whose identity provider cannot check passwords", () => {
  test("answers invalid_password with what to do, instead of failing at cold start", async () => {
    const { createPasswordCheck } = await import("../../functions/platform/password-check.ts");
    const previous = process.env.PASSWORD_CHECK;
    process.env.PASSWORD_CHECK = "none";
    try {
      const check = createPasswordCheck();
      await expect(check.verify("ada", "pw")).rejects.toMatchObject({ code: "invalid_password", message: expect.stringContaining("SSO") });
    } finally {
      if (previous === undefined) delete process.env.PASSWORD_CHECK;
      else process.env.PASSWORD_CHECK = previous;
    }
  });
});
