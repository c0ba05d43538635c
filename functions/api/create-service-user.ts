import * as z from "zod/mini";
import { accessListSchema, nameSchema } from "../domain/schemas.ts";
import { serviceUsers as wire } from "../platform/admin.ts";
import { httpHandler } from "../platform/http/http-handler.ts";
import { members } from "../platform/session-access.ts";
import { zodBody } from "../platform/http/zod-body.ts";

const serviceUsers = wire();
const createBody = zodBody(z.strictObject({ name: nameSchema, permissions: accessListSchema }));

/** POST /v1/orgs/{orgId}/service-users: an admin makes a system identity with assigned permissions. */
export const handler = httpHandler({
  access: "admin",
  members,
  successStatus: 201,
  body: createBody,
  run: async ({ membership, input }) => ({ serviceUser: await serviceUsers.create(membership, input) }),
});
