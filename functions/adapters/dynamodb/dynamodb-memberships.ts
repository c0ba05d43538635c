import type { ActivityRecord, MembershipRecord, OrganizationSettings, TokenRecord, TokenSet } from "../../domain/model.ts";
import type { MembershipRepository } from "../../domain/ports.ts";
import { membershipEntity } from "./entities/membership.ts";
import { organizationSettingsEntity } from "./entities/organization-settings.ts";
import { keyAttributes, keys } from "./keys.ts";
import { versionCondition, type StoreTable, type TransactItem } from "./table.ts";
import {
  appendActivity,
  checkOrganizationNotDeleted,
  checkTokenSet,
  putTokenSet,
  revokeToken,
  rewriteAccess,
  withoutIds,
} from "./writes.ts";

/** The DynamoDB adapter of `MembershipRepository`: memberships and organization settings. */
export class DynamoDbMemberships implements MembershipRepository {
  constructor(private readonly table: StoreTable) {}

  async getMembership(orgId: string, userId: string): Promise<MembershipRecord | undefined> {
    const item = await this.table.get(membershipEntity.key({ orgId, userId }));
    return item && membershipEntity.fromItem(item);
  }

  async listMemberships(orgId: string): Promise<MembershipRecord[]> {
    return (await this.table.queryAll(membershipEntity.query(orgId))).map(membershipEntity.fromItem);
  }

  async listMembershipsOfPerson(userId: string): Promise<{ membership: MembershipRecord; settings: OrganizationSettings | undefined }[]> {
    const found = await this.table.queryIndexAll(membershipEntity.queryOfPerson(userId));
    // The index holds only keys, and lags: read the memberships and their settings as they are now, in one batch.
    const memberKeys = found.map((item) => ({
      [keyAttributes.partitionKey]: item[keyAttributes.partitionKey] as string,
      [keyAttributes.sortKey]: item[keyAttributes.sortKey] as string,
    }));
    const items = await this.table.getMany(memberKeys.flatMap((key) => [key, keys.organizationSettingsBeside(key)]));
    const settings = new Map<string, OrganizationSettings>();
    const memberships: MembershipRecord[] = [];
    for (const item of items) {
      if (item.type === organizationSettingsEntity.type) {
        const record = organizationSettingsEntity.fromItem(item);
        settings.set(record.orgId, record);
      } else if (item.type === membershipEntity.type && item.userId === userId) {
        memberships.push(membershipEntity.fromItem(item));
      }
    }
    return memberships.map((membership) => ({ membership, settings: settings.get(membership.orgId) }));
  }

  async getOrganizationSettings(orgId: string): Promise<OrganizationSettings | undefined> {
    const item = await this.table.get(organizationSettingsEntity.key(orgId));
    return item && organizationSettingsEntity.fromItem(item);
  }

  async saveMembership(
    membership: MembershipRecord,
    expectedVersion: number | undefined,
    tokens: {
      tokenSet: TokenSet;
      live: readonly TokenRecord[];
      revoke?: { revokedAt: string; activity: readonly ActivityRecord[] };
    },
    options: { allowDeletedOrganization?: boolean } = {},
  ): Promise<void> {
    const { tables } = this.table;
    const { tokenSet, live, revoke } = tokens;
    const tokenItems: TransactItem[] = revoke
      ? [
          ...live.map((token) => revokeToken(tables, token, revoke.revokedAt, new Date(revoke.revokedAt))),
          putTokenSet(
            tables,
            tokenSet,
            withoutIds(
              tokenSet.tokens,
              live.map((token) => token.id),
            ),
          ),
          ...revoke.activity.map((record) => appendActivity(tables, record)),
        ]
      : [
          // No token may be made or dropped meanwhile: the access below is rewritten on exactly the live ones.
          checkTokenSet(tables, tokenSet),
          ...rewriteAccess(
            tables,
            live.map((token) => token.id),
            { ...membership, memberStatus: membership.status },
          ),
        ];
    await this.table.transact([
      { Put: { TableName: tables.tokens, Item: membershipEntity.toItem(membership), ...versionCondition(expectedVersion) } },
      ...(options.allowDeletedOrganization ? [] : [checkOrganizationNotDeleted(tables, membership.orgId)]),
      ...tokenItems,
    ]);
  }

  async saveOrganizationSettings(settings: OrganizationSettings, expectedVersion: number | undefined): Promise<void> {
    await this.table.putVersioned(organizationSettingsEntity.toItem(settings), expectedVersion);
  }
}
