import { serviceUsers as wire } from "../platform/admin.ts";
import { httpHandler } from "../platform/http/http-handler.ts";
import { members } from "../platform/session-access.ts";
import { zodBody } from "../platform/http/zod-body.ts";
import { updateServiceUserRequestBody } from "../platform/http/request-bodies.ts";
import type { ResponseBody } from "../platform/http/contract.ts";

const serviceUsers = wire();
const patchBody = zodBody(updateServiceUserRequestBody);

/** PATCH /v1/orgs/{orgId}/service-users/{serviceUserId}: takes effect on its tokens' next verification. */
export const handler = httpHandler({
  access: "admin",
  members,
  body: patchBody,
  run: async ({ membership, pathParameters, input }): Promise<ResponseBody<"update-service-user">> => ({
    serviceUser: await serviceUsers.update(membership, pathParameters.serviceUserId ?? "", input),
  }),
});
