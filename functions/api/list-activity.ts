import { listActivity } from "../domain/activity.ts";
import { requireCursorKey } from "../platform/config.ts";
import { httpHandler, pagination } from "../platform/http/http-handler.ts";
import { members } from "../platform/session-access.ts";
import { store } from "../platform/services.ts";
import type { ResponseBody } from "../platform/http/contract.ts";

// A function the stack gave no cursor key fails at cold start, not on its first request.
requireCursorKey();

/** GET /v1/orgs/{orgId}/activity?limit=&cursor=: the organization's activity, newest first. */
export const handler = httpHandler({
  access: "admin",
  members,
  run: ({ membership, event }): Promise<ResponseBody<"list-activity">> => {
    const { limit, cursor } = pagination(event);
    return listActivity(store, membership.orgId, limit, cursor);
  },
});
