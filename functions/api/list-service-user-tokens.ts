import { serviceUsers as wire } from "../platform/admin.ts";
import { httpHandler } from "../platform/http/http-handler.ts";
import { members } from "../platform/session-access.ts";
import type { ResponseBody } from "../platform/http/contract.ts";

const serviceUsers = wire();

/** GET /v1/orgs/{orgId}/service-users/{serviceUserId}/tokens: its active tokens, newest first (whole: at most 20). */
export const handler = httpHandler({
  access: "admin",
  members,
  run: async ({ membership, pathParameters }): Promise<ResponseBody<"list-service-user-tokens">> => ({
    tokens: await serviceUsers.listTokens(membership.orgId, pathParameters.serviceUserId ?? ""),
  }),
});
