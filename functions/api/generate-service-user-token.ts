import { serviceUsers as wire } from "../platform/admin.ts";
import { httpHandler } from "../platform/http/http-handler.ts";
import { members } from "../platform/session-access.ts";
import { zodBody } from "../platform/http/zod-body.ts";
import { generateServiceUserTokenRequestBody } from "../platform/http/request-bodies.ts";
import type { ResponseBody } from "../platform/http/contract.ts";

const serviceUsers = wire();
const generateBody = zodBody(generateServiceUserTokenRequestBody);

/** POST /v1/orgs/{orgId}/service-users/{serviceUserId}/tokens: an admin makes a token for a system; no password. */
export const handler = httpHandler({
  access: "admin",
  members,
  successStatus: 201,
  body: generateBody,
  run: ({ membership, pathParameters, input }): Promise<ResponseBody<"generate-service-user-token">> =>
    serviceUsers.generateToken(membership, pathParameters.serviceUserId ?? "", input.name),
});
