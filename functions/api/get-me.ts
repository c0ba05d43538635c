import { describeCaller } from "../domain/caller.ts";
import type { ResponseBody } from "../platform/http/contract.ts";
import { httpHandler } from "../platform/http/http-handler.ts";
import { store } from "../platform/services.ts";

/**
 * GET /v1/me: the session's person, and the organizations where they are an active member (API.md "The caller").
 * A person route: it needs a session and no organization, so no membership check comes before it.
 */
export const handler = httpHandler({
  access: "person",
  run: async ({ userId }): Promise<ResponseBody<"get-me">> => {
    const { user, organizations } = await describeCaller(store, userId);
    return { user, organizations: [...organizations] };
  },
});
