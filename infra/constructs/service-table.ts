import { RemovalPolicy } from "aws-cdk-lib";
import { AttributeType, Billing, TableV2, type Attribute } from "aws-cdk-lib/aws-dynamodb";
import type { Construct } from "constructs";
import type { KeyAttribute } from "../../functions/adapters/dynamodb/table-definition.ts";

/** The shape of the shared table definition, widened so optional sort keys and more indexes keep working. */
export interface TableKeySchema {
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
}
export interface ServiceTableDefinition extends TableKeySchema {
  readonly timeToLiveAttribute?: string;
  readonly globalSecondaryIndexes?: readonly (TableKeySchema & { readonly indexName: string })[];
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
 * its tables from the same ones): on-demand, recoverable, and never deleted with the stack.
 */
export function createServiceTable(scope: Construct, id: string, definition: ServiceTableDefinition): TableV2 {
  return new TableV2(scope, id, {
    billing: Billing.onDemand(),
    partitionKey: toAttribute(definition.partitionKey),
    sortKey: toAttribute(definition.sortKey),
    globalSecondaryIndexes: (definition.globalSecondaryIndexes ?? []).map((index) => ({
      indexName: index.indexName,
      partitionKey: toAttribute(index.partitionKey),
      sortKey: toAttribute(index.sortKey),
    })),
    timeToLiveAttribute: definition.timeToLiveAttribute,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
}
