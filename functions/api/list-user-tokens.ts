import { httpHandler } from "../platform/http/http-handler.ts";
import { members } from "../platform/session-access.ts";
import { userTokens as wire } from "../platform/user-tokens.ts";
import type { ResponseBody } from "../platform/http/contract.ts";

const userTokens = wire();

/** GET /v1/orgs/{orgId}/tokens: the caller's active user tokens in this organization, newest first. */
export const handler = httpHandler({
  access: "member",
  members,
  run: async ({ membership }): Promise<ResponseBody<"list-user-tokens">> => ({
    tokens: await userTokens.list({ orgId: membership.orgId, userId: membership.userId }),
  }),
});
