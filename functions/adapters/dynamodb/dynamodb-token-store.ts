import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { ActivityRecord } from "../../domain/model.ts";
import type { TokenStore } from "../../domain/ports.ts";
import { DynamoDbActivityLog } from "./dynamodb-activity-log.ts";
import { DynamoDbMemberships } from "./dynamodb-memberships.ts";
import { DynamoDbPasswordThrottle } from "./dynamodb-password-throttle.ts";
import { DynamoDbServiceUsers } from "./dynamodb-service-users.ts";
import { DynamoDbTokens } from "./dynamodb-tokens.ts";
import { Pager } from "./paging.ts";
import { StoreTable, type TableNames } from "./table.ts";

export type { TableNames } from "./table.ts";
export { ConditionFailed } from "./store-errors.ts";

export interface StoreOptions {
  /** Told of each activity record once its transaction has committed (metrics). */
  readonly onActivity?: (record: ActivityRecord) => void;
  /**
   * The secret that seals list cursors (config `CURSOR_KEY`, at least 32 characters). Only the functions
   * that page through lists are given it; the list methods refuse to run without it.
   */
  readonly cursorKey?: string;
}

/**
 * The DynamoDB adapter of `TokenStore`: one adapter per aggregate on one shared table plumbing (every item
 * read strongly consistent, every invariant a condition), composed here into the store the domain takes.
 */
export class DynamoDbTokenStore implements TokenStore {
  private readonly tokens: DynamoDbTokens;
  private readonly memberships: DynamoDbMemberships;
  private readonly serviceUsers: DynamoDbServiceUsers;
  private readonly activity: DynamoDbActivityLog;
  private readonly passwordThrottle: DynamoDbPasswordThrottle;

  constructor(client: DynamoDBDocumentClient, tables: TableNames, options: StoreOptions = {}) {
    const table = new StoreTable(client, tables, options.onActivity);
    const pager = new Pager(table, options.cursorKey);
    this.tokens = new DynamoDbTokens(table, pager);
    this.memberships = new DynamoDbMemberships(table);
    this.serviceUsers = new DynamoDbServiceUsers(table, pager);
    this.activity = new DynamoDbActivityLog(table, pager);
    this.passwordThrottle = new DynamoDbPasswordThrottle(table);
  }

  // ---- tokens and token sets ---------------------------------------------------------------------------
  getToken: TokenStore["getToken"] = (...args) => this.tokens.getToken(...args);
  getTokens: TokenStore["getTokens"] = (...args) => this.tokens.getTokens(...args);
  getTokenSet: TokenStore["getTokenSet"] = (...args) => this.tokens.getTokenSet(...args);
  createToken: TokenStore["createToken"] = (...args) => this.tokens.createToken(...args);
  recordTokenUse: TokenStore["recordTokenUse"] = (...args) => this.tokens.recordTokenUse(...args);
  revokeToken: TokenStore["revokeToken"] = (...args) => this.tokens.revokeToken(...args);
  rotateToken: TokenStore["rotateToken"] = (...args) => this.tokens.rotateToken(...args);
  recordGraceEnd: TokenStore["recordGraceEnd"] = (...args) => this.tokens.recordGraceEnd(...args);
  listTokensDueOn: TokenStore["listTokensDueOn"] = (...args) => this.tokens.listTokensDueOn(...args);
  recordExpiryWarning: TokenStore["recordExpiryWarning"] = (...args) => this.tokens.recordExpiryWarning(...args);
  recordExpiry: TokenStore["recordExpiry"] = (...args) => this.tokens.recordExpiry(...args);
  recordExpiryOfDeletedToken: TokenStore["recordExpiryOfDeletedToken"] = (...args) => this.tokens.recordExpiryOfDeletedToken(...args);
  listOrganizationTokens: TokenStore["listOrganizationTokens"] = (...args) => this.tokens.listOrganizationTokens(...args);

  // ---- memberships and organization settings -----------------------------------------------------------
  getMembership: TokenStore["getMembership"] = (...args) => this.memberships.getMembership(...args);
  listMemberships: TokenStore["listMemberships"] = (...args) => this.memberships.listMemberships(...args);
  getOrganizationSettings: TokenStore["getOrganizationSettings"] = (...args) => this.memberships.getOrganizationSettings(...args);
  listMembershipsOfPerson: TokenStore["listMembershipsOfPerson"] = (...args) => this.memberships.listMembershipsOfPerson(...args);
  saveMembership: TokenStore["saveMembership"] = (...args) => this.memberships.saveMembership(...args);
  saveOrganizationSettings: TokenStore["saveOrganizationSettings"] = (...args) => this.memberships.saveOrganizationSettings(...args);

  // ---- service users -----------------------------------------------------------------------------------
  getServiceUser: TokenStore["getServiceUser"] = (...args) => this.serviceUsers.getServiceUser(...args);
  listAllServiceUsers: TokenStore["listAllServiceUsers"] = (...args) => this.serviceUsers.listAllServiceUsers(...args);
  listServiceUsers: TokenStore["listServiceUsers"] = (...args) => this.serviceUsers.listServiceUsers(...args);
  createServiceUser: TokenStore["createServiceUser"] = (...args) => this.serviceUsers.createServiceUser(...args);
  updateServiceUser: TokenStore["updateServiceUser"] = (...args) => this.serviceUsers.updateServiceUser(...args);
  deleteServiceUser: TokenStore["deleteServiceUser"] = (...args) => this.serviceUsers.deleteServiceUser(...args);

  // ---- activity ----------------------------------------------------------------------------------------
  listActivity: TokenStore["listActivity"] = (...args) => this.activity.listActivity(...args);

  // ---- password throttling -----------------------------------------------------------------------------
  getPasswordFailures: TokenStore["getPasswordFailures"] = (...args) => this.passwordThrottle.getPasswordFailures(...args);
  savePasswordFailures: TokenStore["savePasswordFailures"] = (...args) => this.passwordThrottle.savePasswordFailures(...args);
  takePasswordCheckPlace: TokenStore["takePasswordCheckPlace"] = (...args) => this.passwordThrottle.takePasswordCheckPlace(...args);
  releasePasswordCheck: TokenStore["releasePasswordCheck"] = (...args) => this.passwordThrottle.releasePasswordCheck(...args);
}
