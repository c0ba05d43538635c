import { organizationDeletedSchema } from "../domain/memberships.ts";
import { eventHandler } from "../platform/event-handler.ts";
import { memberships as wire } from "../platform/memberships.ts";

const memberships = wire();

/**
 * `platform.organizations` / `Organization Deleted`: every token of the organization, both kinds, is revoked,
 * its memberships end and its service users are deleted; later events for it change nothing.
 */
export const handler = eventHandler({
  detail: organizationDeletedSchema,
  apply: (detail) => memberships.applyOrganizationDeleted(detail),
});
