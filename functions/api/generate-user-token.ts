import { httpHandler } from "../platform/http/http-handler.ts";
import { members } from "../platform/session-access.ts";
import { zodBody } from "../platform/http/zod-body.ts";
import { generateUserTokenRequestBody } from "../platform/http/request-bodies.ts";
import { userTokensWithPasswordCheck } from "../platform/user-tokens.ts";
import type { ResponseBody } from "../platform/http/contract.ts";

const userTokens = userTokensWithPasswordCheck();
const generateBody = zodBody(generateUserTokenRequestBody);

/** POST /v1/orgs/{orgId}/tokens: a person makes a user API token for themself. */
export const handler = httpHandler({
  access: "member",
  members,
  successStatus: 201,
  body: generateBody,
  run: ({ membership, person, input }): Promise<ResponseBody<"generate-user-token">> =>
    userTokens.generate({
      orgId: membership.orgId,
      userId: membership.userId,
      // The identity provider's name for the person, from the session: the password is checked for that user.
      signInName: person.signInName,
      name: input.name,
      password: input.password,
    }),
});
