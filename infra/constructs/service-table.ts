import { RemovalPolicy } from "aws-cdk-lib";
import {
  AttributeType,
  Billing,
  ProjectionType,
  TableEncryptionV2,
  TableV2,
  type Attribute,
  type StreamViewType,
} from "aws-cdk-lib/aws-dynamodb";
import type { Construct } from "constructs";
import type { KeyAttribute } from "../../functions/adapters/dynamodb/table-definition.ts";

/** The shape of the shared table definition, widened so optional sort keys and more indexes keep working. */
export interface TableKeySchema {
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
}
export interface ServiceTableDefinition extends TableKeySchema {
  readonly timeToLiveAttribute?: string;
  readonly globalSecondaryIndexes?: readonly (TableKeySchema & {
    readonly indexName: string;
    readonly projection?: "ALL" | "KEYS_ONLY";
    readonly grantedByName?: boolean;
  })[];
}

const ATTRIBUTE_TYPES: Record<KeyAttribute["type"], AttributeType> = {
  S: AttributeType.STRING,
  N: AttributeType.NUMBER,
};

function toAttribute(key: KeyAttribute): Attribute;
function toAttribute(key: KeyAttribute | undefined): Attribute | undefined;
function toAttribute(key: KeyAttribute | undefined): Attribute | undefined {
  return key && { name: key.name, type: ATTRIBUTE_TYPES[key.type] };
}

/**
 * One of the service's tables (tokens, activity), built from its shared definition (the local server builds
 * its tables from the same ones): on-demand, recoverable, encrypted at rest, and never deleted with the stack.
 *
 * Encryption at rest uses the AWS-owned key (DynamoDB's default, stated explicitly here), not a customer-managed
 * KMS key, on purpose:
 * - what the tables hold does not depend on a key for its secrecy: tokens are stored only as SHA-256 hashes
 *   of 128+ random bits plus a 4-character hint; access to the items is already limited per function by IAM;
 * - verification is the hot path of every integration: with a customer-managed key, a disabled, deleted or
 *   throttled key makes the table unreadable (and DynamoDB archives a table whose key stays inaccessible),
 *   which would turn a KMS mistake into an outage of every API token; every function role would also need
 *   KMS grants;
 * - it costs nothing and needs no key administration.
 * If a compliance regime requires key-usage audit in CloudTrail or crypto-shredding, switch to
 * `TableEncryptionV2.customerManagedKey(key)` (an in-place update, no table replacement) and grant each
 * function role kms:Decrypt on that key.
 *
 * `options.stream` turns on the table's DynamoDB stream with that view (an in-place update too: the table keeps
 * its logical id and its data).
 */
export function createServiceTable(
  scope: Construct,
  id: string,
  definition: ServiceTableDefinition,
  options: { readonly stream?: StreamViewType; readonly deletionProtection?: boolean } = {},
): TableV2 {
  return new TableV2(scope, id, {
    billing: Billing.onDemand(),
    partitionKey: toAttribute(definition.partitionKey),
    sortKey: toAttribute(definition.sortKey),
    globalSecondaryIndexes: (definition.globalSecondaryIndexes ?? []).map((index) => ({
      indexName: index.indexName,
      partitionKey: toAttribute(index.partitionKey),
      sortKey: toAttribute(index.sortKey),
      projectionType: index.projection === "KEYS_ONLY" ? ProjectionType.KEYS_ONLY : ProjectionType.ALL,
    })),
    timeToLiveAttribute: definition.timeToLiveAttribute,
    dynamoStream: options.stream,
    encryption: TableEncryptionV2.dynamoOwnedKey(),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: options.deletionProtection ?? false,
    // The stack's RetainExceptOnCreate aspect turns this into "kept, except after a failed first deploy".
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/**
 * The table with its index names, as `OperationFunction` grants access to it: the indexes any Query access
 * reaches, and those granted only to the functions that name them.
 */
export function tableRef(table: TableV2, definition: ServiceTableDefinition) {
  const indexes = definition.globalSecondaryIndexes ?? [];
  return {
    table,
    indexNames: indexes.filter((index) => !index.grantedByName).map((index) => index.indexName),
    indexesGrantedByName: indexes.filter((index) => index.grantedByName).map((index) => index.indexName),
  };
}
