import type { ServiceUserRecord } from "../../../domain/model.ts";
import { keys, queries, startKeys } from "../keys.ts";
import { VERSION, type Entity, type Item } from "./entity.ts";

/** A service user, an item of its organization's partition (never a member). */
export const serviceUserAttributes = { version: VERSION } as const satisfies Record<string, keyof ServiceUserRecord>;

export const serviceUserEntity = {
  type: "serviceUser",
  key: (serviceUser: Pick<ServiceUserRecord, "orgId" | "id">) => keys.serviceUser(serviceUser.orgId, serviceUser.id),
  /** Every service user of an organization, in id order. */
  query: (orgId: string) => queries.serviceUsers(orgId),
  /** Where the list resumes after a service user's id (it need not exist any more). */
  startKey: (orgId: string, serviceUserId: string) => startKeys.serviceUsers(orgId, serviceUserId),
  toItem: (serviceUser: ServiceUserRecord): Item => ({
    ...keys.serviceUser(serviceUser.orgId, serviceUser.id),
    type: serviceUserEntity.type,
    ...serviceUser,
  }),
  fromItem: (item: Item): ServiceUserRecord => ({
    orgId: item.orgId as string,
    id: item.id as string,
    name: item.name as string,
    permissions: item.permissions as string[],
    createdAt: item.createdAt as string,
    createdBy: item.createdBy as string,
    version: item.version as number,
  }),
} as const satisfies Entity<ServiceUserRecord> & Record<string, unknown>;
