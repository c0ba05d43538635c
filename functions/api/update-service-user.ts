import * as z from "zod/mini";
import { accessListSchema, nameSchema } from "../domain/schemas.ts";
import { serviceUsers as wire } from "../platform/admin.ts";
import { httpHandler } from "../platform/http/http-handler.ts";
import { members } from "../platform/session-access.ts";
import { zodBody } from "../platform/http/zod-body.ts";

const serviceUsers = wire();
const patchBody = zodBody(
  z
    .strictObject({ name: z.optional(nameSchema), permissions: z.optional(accessListSchema) })
    .check(z.refine((patch) => patch.name !== undefined || patch.permissions !== undefined, "give name, permissions or both")),
);

/** PATCH /v1/orgs/{orgId}/service-users/{serviceUserId}: takes effect on its tokens' next verification. */
export const handler = httpHandler({
  access: "admin",
  members,
  body: patchBody,
  run: async ({ membership, pathParameters, input }) => ({
    serviceUser: await serviceUsers.update(membership, pathParameters.serviceUserId ?? "", input),
  }),
});
