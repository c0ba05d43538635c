import * as z from "zod/mini";
import { nameSchema } from "../domain/schemas.ts";
import { serviceUsers as wire } from "../platform/admin.ts";
import { httpHandler } from "../platform/http/http-handler.ts";
import { members } from "../platform/session-access.ts";
import { zodBody } from "../platform/http/zod-body.ts";

const serviceUsers = wire();
const generateBody = zodBody(z.strictObject({ name: nameSchema }));

/** POST /v1/orgs/{orgId}/service-users/{serviceUserId}/tokens: an admin makes a token for a system; no password. */
export const handler = httpHandler({
  access: "admin",
  members,
  successStatus: 201,
  body: generateBody,
  run: ({ membership, pathParameters, input }) => serviceUsers.generateToken(membership, pathParameters.serviceUserId ?? "", input.name),
});
