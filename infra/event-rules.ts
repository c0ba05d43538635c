import type { FunctionDefinition, TableAccess } from "./function-definition.ts";

/**
 * The one definition of which platform events reach which handler. The CDK app makes one EventBridge rule
 * per entry with exactly this pattern; the local `PutEvents` endpoint routes events by the same patterns.
 */
export interface EventPattern {
  readonly source: readonly string[];
  readonly "detail-type": readonly string[];
}

export interface EventRuleDefinition extends FunctionDefinition {
  readonly description: string;
  readonly pattern: EventPattern;
  /** Every handler reads the tokens table. */
  readonly tableAccess: Exclude<TableAccess, "none">;
}

export const USERS_SOURCE = "platform.users";
export const ORGANIZATIONS_SOURCE = "platform.organizations";

export const eventRules: readonly EventRuleDefinition[] = [
  {
    operation: "on-user-upserted",
    description: "Keeps the membership projection (name, permissions, groups, sites) current",
    pattern: { source: [USERS_SOURCE], "detail-type": ["User Upserted"] },
    handlerModule: "functions/events/on-user-upserted.ts",
    tableAccess: "readWrite",
    // Expired tokens it finds on the way get their `token.expired` record.
    activityAccess: "append",
  },
  {
    operation: "on-user-deactivated",
    description: "Deactivation revokes every user token of that person in that organization",
    pattern: { source: [USERS_SOURCE], "detail-type": ["User Deactivated"] },
    handlerModule: "functions/events/on-user-deactivated.ts",
    tableAccess: "readWrite",
    activityAccess: "append",
  },
  {
    operation: "on-user-reactivated",
    description: "Reactivation makes the membership active again; revoked tokens stay revoked",
    pattern: { source: [USERS_SOURCE], "detail-type": ["User Reactivated"] },
    handlerModule: "functions/events/on-user-reactivated.ts",
    tableAccess: "readWrite",
    // Like every membership save it reads the person's live tokens; expired ones found get their record.
    activityAccess: "append",
  },
  {
    operation: "on-user-removed",
    description: "Removal from an organization revokes every user token of that person there",
    pattern: { source: [USERS_SOURCE], "detail-type": ["User Removed From Organization"] },
    handlerModule: "functions/events/on-user-removed.ts",
    tableAccess: "readWrite",
    activityAccess: "append",
  },
  {
    operation: "on-organization-settings-changed",
    description: "Keeps each organization's SSO enforcement current",
    pattern: { source: [ORGANIZATIONS_SOURCE], "detail-type": ["Organization Settings Changed"] },
    handlerModule: "functions/events/on-organization-settings-changed.ts",
    tableAccess: "readWrite",
    activityAccess: "none",
  },
  {
    operation: "on-organization-deleted",
    description: "An organization that left the platform: every token of it revoked, memberships ended, service users deleted",
    pattern: { source: [ORGANIZATIONS_SOURCE], "detail-type": ["Organization Deleted"] },
    handlerModule: "functions/events/on-organization-deleted.ts",
    tableAccess: "readWrite",
    activityAccess: "append",
  },
];
