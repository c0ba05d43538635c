import { membershipStatusEventSchema } from "../domain/memberships.ts";
import { eventHandler } from "../platform/event-handler.ts";
import { memberships as wire } from "../platform/memberships.ts";

const memberships = wire();

/** `platform.users` / `User Reactivated`: active again; revoked tokens stay revoked. */
export const handler = eventHandler({
  detail: membershipStatusEventSchema,
  apply: (detail) => memberships.applyUserReactivated(detail),
});
