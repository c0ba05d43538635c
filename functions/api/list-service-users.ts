import { serviceUsers as wire } from "../platform/admin.ts";
import { requireCursorKey } from "../platform/config.ts";
import { httpHandler, pagination } from "../platform/http/http-handler.ts";
import { members } from "../platform/session-access.ts";
import type { ResponseBody } from "../platform/http/contract.ts";

// A function the stack gave no cursor key fails at cold start, not on its first request.
requireCursorKey();
const serviceUsers = wire();

/** GET /v1/orgs/{orgId}/service-users?limit=&cursor=: the organization's service users, in creation order. */
export const handler = httpHandler({
  access: "admin",
  members,
  run: ({ membership, event }): Promise<ResponseBody<"list-service-users">> => {
    const { limit, cursor } = pagination(event);
    return serviceUsers.list(membership.orgId, limit, cursor);
  },
});
