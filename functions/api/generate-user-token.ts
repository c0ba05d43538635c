import * as z from "zod/mini";
import { nameSchema } from "../domain/schemas.ts";
import { httpHandler } from "../platform/http/http-handler.ts";
import { members } from "../platform/session-access.ts";
import { zodBody } from "../platform/http/zod-body.ts";
import { userTokensWithPasswordCheck } from "../platform/user-tokens.ts";

const userTokens = userTokensWithPasswordCheck();
// `password` is checked as a string here; whether it is needed (SSO) and right is the domain's call.
const generateBody = zodBody(z.strictObject({ name: nameSchema, password: z.optional(z.string().check(z.maxLength(1024))) }));

/** POST /v1/orgs/{orgId}/tokens: a person makes a user API token for themself. */
export const handler = httpHandler({
  access: "member",
  members,
  successStatus: 201,
  body: generateBody,
  run: ({ membership, person, input }) =>
    userTokens.generate({
      orgId: membership.orgId,
      userId: membership.userId,
      // The identity provider's name for the person, from the session: the password is checked for that user.
      signInName: person.signInName,
      name: input.name,
      password: input.password,
    }),
});
