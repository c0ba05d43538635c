import { httpHandler } from "../platform/http/http-handler.ts";
import { members } from "../platform/session-access.ts";
import { zodBody } from "../platform/http/zod-body.ts";
import { rotateUserTokenRequestBody } from "../platform/http/request-bodies.ts";
import { userTokensWithPasswordCheck } from "../platform/user-tokens.ts";
import type { ResponseBody } from "../platform/http/contract.ts";

const userTokens = userTokensWithPasswordCheck();
const rotateBody = zodBody(rotateUserTokenRequestBody);

/**
 * POST /v1/orgs/{orgId}/tokens/{tokenId}/rotate: a person replaces one of their own tokens with a new one of the
 * same name; the old one keeps working for `graceSeconds` (default 0). The password is needed as for generating.
 */
export const handler = httpHandler({
  access: "member",
  members,
  successStatus: 201,
  body: rotateBody,
  run: ({ membership, person, pathParameters, input }): Promise<ResponseBody<"rotate-user-token">> =>
    userTokens.rotate({
      orgId: membership.orgId,
      userId: membership.userId,
      signInName: person.signInName,
      tokenId: pathParameters.tokenId ?? "",
      password: input.password,
      graceSeconds: input.graceSeconds ?? 0,
    }),
});
