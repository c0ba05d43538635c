import { membershipStatusEventSchema } from "../domain/memberships.ts";
import { eventHandler } from "../platform/event-handler.ts";
import { memberships as wire } from "../platform/memberships.ts";

const memberships = wire();

/** `platform.users` / `User Deactivated`: every user token of the person in that organization is revoked. */
export const handler = eventHandler({
  detail: membershipStatusEventSchema,
  apply: (detail) => memberships.applyUserDeactivated(detail),
});
