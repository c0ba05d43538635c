import { organizationSettingsChangedSchema } from "../domain/memberships.ts";
import { eventHandler } from "../platform/event-handler.ts";
import { memberships as wire } from "../platform/memberships.ts";

const memberships = wire();

/** `platform.organizations` / `Organization Settings Changed`: whether the organization enforces SSO. */
export const handler = eventHandler({
  detail: organizationSettingsChangedSchema,
  apply: (detail) => memberships.applyOrganizationSettingsChanged(detail),
});
