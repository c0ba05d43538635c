import { httpHandler } from "../platform/http/http-handler.ts";
import { members } from "../platform/session-access.ts";
import { userTokens as wire } from "../platform/user-tokens.ts";
import type { ResponseBody } from "../platform/http/contract.ts";

const userTokens = wire();

/** DELETE /v1/orgs/{orgId}/tokens/{tokenId}: the caller revokes one of their own tokens. */
export const handler = httpHandler({
  access: "member",
  members,
  successStatus: 204,
  run: ({ membership, pathParameters }): Promise<ResponseBody<"revoke-user-token">> =>
    userTokens.revoke({ membership, tokenId: pathParameters.tokenId ?? "" }),
});
