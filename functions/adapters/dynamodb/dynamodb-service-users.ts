import type { ActivityRecord, Page, ServiceUserRecord, TokenRecord, TokenSet } from "../../domain/model.ts";
import type { ServiceUserRepository } from "../../domain/ports.ts";
import { serviceUserEntity } from "./entities/service-user.ts";
import type { Pager } from "./paging.ts";
import { mustNotExist, versionCondition, type StoreTable } from "./table.ts";
import { appendActivity, checkOrganizationNotDeleted, checkTokenSet, putTokenSet, revokeToken, rewriteAccess } from "./writes.ts";

/** The DynamoDB adapter of `ServiceUserRepository`: a service user changes with its tokens, in one transaction. */
export class DynamoDbServiceUsers implements ServiceUserRepository {
  constructor(
    private readonly table: StoreTable,
    private readonly pager: Pager,
  ) {}

  async getServiceUser(orgId: string, serviceUserId: string): Promise<ServiceUserRecord | undefined> {
    const item = await this.table.get(serviceUserEntity.key({ orgId, id: serviceUserId }));
    return item && serviceUserEntity.fromItem(item);
  }

  async listAllServiceUsers(orgId: string): Promise<ServiceUserRecord[]> {
    return (await this.table.queryAll(serviceUserEntity.query(orgId))).map(serviceUserEntity.fromItem);
  }

  async listServiceUsers(orgId: string, limit: number, cursor: string | undefined): Promise<Page<ServiceUserRecord>> {
    return this.pager.page(
      {
        list: "service-users",
        orgId,
        query: { TableName: this.table.tables.tokens, ...serviceUserEntity.query(orgId), ConsistentRead: true },
        convert: serviceUserEntity.fromItem,
        position: (serviceUser) => [serviceUser.id],
        startKey: ([serviceUserId]) => serviceUserEntity.startKey(orgId, serviceUserId!),
        positionLength: 1,
      },
      limit,
      cursor,
    );
  }

  async createServiceUser(serviceUser: ServiceUserRecord, activity: ActivityRecord): Promise<void> {
    const { tables } = this.table;
    await this.table.transact([
      { Put: { TableName: tables.tokens, Item: serviceUserEntity.toItem(serviceUser), ...mustNotExist } },
      checkOrganizationNotDeleted(tables, serviceUser.orgId),
      appendActivity(tables, activity),
    ]);
  }

  async updateServiceUser(
    serviceUser: ServiceUserRecord,
    expectedVersion: number,
    tokenSet: TokenSet,
    tokenIds: readonly string[],
    activity: ActivityRecord,
  ): Promise<void> {
    const { tables } = this.table;
    await this.table.transact([
      { Put: { TableName: tables.tokens, Item: serviceUserEntity.toItem(serviceUser), ...versionCondition(expectedVersion) } },
      // No token of this service user may be created meanwhile with the old access.
      checkTokenSet(tables, tokenSet),
      ...rewriteAccess(tables, tokenIds, { name: serviceUser.name, permissions: serviceUser.permissions, groups: [], sites: [] }),
      appendActivity(tables, activity),
    ]);
  }

  async deleteServiceUser(
    serviceUser: ServiceUserRecord,
    tokenSet: TokenSet,
    revoke: readonly TokenRecord[],
    revokedAt: string,
    activity: readonly ActivityRecord[],
  ): Promise<void> {
    const { tables } = this.table;
    const remaining = Object.fromEntries(Object.entries(tokenSet.tokens).filter(([, owner]) => owner !== serviceUser.id));
    const now = new Date(revokedAt);
    await this.table.transact([
      { Delete: { TableName: tables.tokens, Key: serviceUserEntity.key(serviceUser), ...versionCondition(serviceUser.version) } },
      putTokenSet(tables, tokenSet, remaining),
      ...revoke.map((token) => revokeToken(tables, token, revokedAt, now)),
      ...activity.map((record) => appendActivity(tables, record)),
    ]);
  }
}
