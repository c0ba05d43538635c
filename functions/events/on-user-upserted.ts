import { userUpsertedSchema } from "../domain/memberships.ts";
import { eventHandler } from "../platform/event-handler.ts";
import { memberships as wire } from "../platform/memberships.ts";

const memberships = wire();

/** `platform.users` / `User Upserted`: create or update a membership and its tokens' access copy. */
export const handler = eventHandler({
  detail: userUpsertedSchema,
  apply: (detail) => memberships.applyUserUpserted(detail),
});
