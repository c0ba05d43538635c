import { serviceUsers as wire } from "../platform/admin.ts";
import { httpHandler } from "../platform/http/http-handler.ts";
import { members } from "../platform/session-access.ts";
import { zodBody } from "../platform/http/zod-body.ts";
import { createServiceUserRequestBody } from "../platform/http/request-bodies.ts";
import type { ResponseBody } from "../platform/http/contract.ts";

const serviceUsers = wire();
const createBody = zodBody(createServiceUserRequestBody);

/** POST /v1/orgs/{orgId}/service-users: an admin makes a system identity with assigned permissions. */
export const handler = httpHandler({
  access: "admin",
  members,
  successStatus: 201,
  body: createBody,
  run: async ({ membership, input }): Promise<ResponseBody<"create-service-user">> => ({
    serviceUser: await serviceUsers.create(membership, input),
  }),
});
