import { organizationTokens as wire } from "../platform/admin.ts";
import { requireCursorKey } from "../platform/config.ts";
import { httpHandler, pagination } from "../platform/http/http-handler.ts";
import { members } from "../platform/session-access.ts";
import type { ResponseBody } from "../platform/http/contract.ts";

// A function the stack gave no cursor key fails at cold start, not on its first request.
requireCursorKey();
const organizationTokens = wire();

/** GET /v1/orgs/{orgId}/admin/tokens?limit=&cursor=: every active token of the organization, both kinds. */
export const handler = httpHandler({
  access: "admin",
  members,
  run: ({ membership, event }): Promise<ResponseBody<"list-organization-tokens">> => {
    const { limit, cursor } = pagination(event);
    return organizationTokens.list(membership.orgId, limit, cursor);
  },
});
