import { serviceUsers as wire } from "../platform/admin.ts";
import { httpHandler } from "../platform/http/http-handler.ts";
import { members } from "../platform/session-access.ts";
import type { ResponseBody } from "../platform/http/contract.ts";

const serviceUsers = wire();

/** DELETE /v1/orgs/{orgId}/service-users/{serviceUserId}/tokens/{tokenId} */
export const handler = httpHandler({
  access: "admin",
  members,
  successStatus: 204,
  run: ({ membership, pathParameters }): Promise<ResponseBody<"revoke-service-user-token">> =>
    serviceUsers.revokeToken(membership, pathParameters.serviceUserId ?? "", pathParameters.tokenId ?? ""),
});
