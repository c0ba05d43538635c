import { serviceUsers as wire } from "../platform/admin.ts";
import { httpHandler } from "../platform/http/http-handler.ts";
import { members } from "../platform/session-access.ts";
import type { ResponseBody } from "../platform/http/contract.ts";

const serviceUsers = wire();

/** DELETE /v1/orgs/{orgId}/service-users/{serviceUserId}: and all its tokens are revoked with it. */
export const handler = httpHandler({
  access: "admin",
  members,
  successStatus: 204,
  run: ({ membership, pathParameters }): Promise<ResponseBody<"delete-service-user">> =>
    serviceUsers.delete(membership, pathParameters.serviceUserId ?? ""),
});
