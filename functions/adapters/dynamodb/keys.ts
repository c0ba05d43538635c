import { tableDefinition } from "./table-definition.ts";

/**
 * Every key of the table is built here and nowhere else. Ids are validated before they reach this module
 * (no `#`), so one entity's key can never be forged from another's id.
 */
const PK = tableDefinition.partitionKey.name;
const SK = tableDefinition.sortKey.name;
const [byOrganization] = tableDefinition.globalSecondaryIndexes;

export type Key = Record<string, string>;

export const keys = {
  /** Verification reads a token by the id carried in the secret: one key, one read. */
  token: (tokenId: string): Key => ({ [PK]: `TOKEN#${tokenId}`, [SK]: "TOKEN" }),
  /** The organization-wide listing of tokens, newest first. */
  tokenByOrganization: (orgId: string, createdAt: string, tokenId: string): Key => ({
    [byOrganization.partitionKey.name]: `ORG#${orgId}#TOKENS`,
    [byOrganization.sortKey.name]: `${createdAt}#${tokenId}`,
  }),
  membership: (orgId: string, userId: string): Key => ({ [PK]: `ORG#${orgId}`, [SK]: `MEMBER#${userId}` }),
  organizationSettings: (orgId: string): Key => ({ [PK]: `ORG#${orgId}`, [SK]: "SETTINGS" }),
  /** Per person, across organizations (API.md's password throttling). */
  passwordFailures: (userId: string): Key => ({ [PK]: `USER#${userId}`, [SK]: "PASSWORD_FAILURES" }),
} as const;

export const keyAttributes = { partitionKey: PK, sortKey: SK } as const;
