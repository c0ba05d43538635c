import type { OrganizationSettings } from "../../../domain/model.ts";
import { keys } from "../keys.ts";
import type { Entity, Item } from "./entity.ts";

/** An organization's settings, and the tombstone (`deletedAt`) its deletion leaves. */
export const organizationSettingsAttributes = { deletedAt: "deletedAt" } as const satisfies Record<string, keyof OrganizationSettings>;

export const organizationSettingsEntity = {
  type: "organizationSettings",
  key: (orgId: string) => keys.organizationSettings(orgId),
  toItem: (settings: OrganizationSettings): Item => ({
    ...keys.organizationSettings(settings.orgId),
    type: organizationSettingsEntity.type,
    ...settings,
  }),
  fromItem: (item: Item): OrganizationSettings => ({
    orgId: item.orgId as string,
    ssoEnforced: item.ssoEnforced as boolean,
    ...(typeof item.name === "string" ? { name: item.name } : {}),
    lastEventAt: item.lastEventAt as string,
    ...(item.deletedAt ? { deletedAt: item.deletedAt as string } : {}),
    version: item.version as number,
  }),
} as const satisfies Entity<OrganizationSettings> & Record<string, unknown>;
