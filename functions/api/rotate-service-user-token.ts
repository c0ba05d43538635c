import { serviceUsers as wire } from "../platform/admin.ts";
import { httpHandler } from "../platform/http/http-handler.ts";
import { members } from "../platform/session-access.ts";
import { zodBody } from "../platform/http/zod-body.ts";
import { rotateServiceUserTokenRequestBody } from "../platform/http/request-bodies.ts";
import type { ResponseBody } from "../platform/http/contract.ts";

const serviceUsers = wire();
const rotateBody = zodBody(rotateServiceUserTokenRequestBody);

/**
 * POST /v1/orgs/{orgId}/service-users/{serviceUserId}/tokens/{tokenId}/rotate: an admin replaces a service
 * user's token; the old one keeps working for `graceSeconds` (default 0). No password.
 */
export const handler = httpHandler({
  access: "admin",
  members,
  successStatus: 201,
  body: rotateBody,
  run: ({ membership, pathParameters, input }): Promise<ResponseBody<"rotate-service-user-token">> =>
    serviceUsers.rotateToken(membership, pathParameters.serviceUserId ?? "", pathParameters.tokenId ?? "", input.graceSeconds ?? 0),
});
