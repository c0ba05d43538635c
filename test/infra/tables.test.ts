/** The tokens table and the activity log: built from the shared definitions, recoverable, kept. */
import { Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, test } from "vitest";
import { tableDefinitions, type TableDefinition, type TableName } from "../../functions/adapters/dynamodb/table-definition.ts";
import { synthesizeShared, type SynthesizedTemplate } from "./synth.ts";
import { actionsOf, useDefaultApp } from "./template.ts";

const app = useDefaultApp();

/** Each table, its shared definition and the stack output that names it. */
const tables: readonly { name: TableName; definition: TableDefinition; output: string }[] = [
  { name: "tokens", definition: tableDefinitions.tokens, output: "TableName" },
  { name: "activity", definition: tableDefinitions.activity, output: "ActivityTableName" },
];

const keySchema = (key: { partitionKey: { name: string }; sortKey?: { name: string } }) => [
  { AttributeName: key.partitionKey.name, KeyType: "HASH" },
  ...(key.sortKey ? [{ AttributeName: key.sortKey.name, KeyType: "RANGE" }] : []),
];

describe("tables", () => {
  test("exactly the tokens table and the activity table, each named in an output", () => {
    app.template.resourceCountIs("AWS::DynamoDB::GlobalTable", tables.length);
    for (const { name, output } of tables) {
      expect(app.resources[app.tableIds[name]]?.Type, name).toBe("AWS::DynamoDB::GlobalTable");
      expect(app.outputs[output]!.Value).toEqual({ Ref: app.tableIds[name] });
    }
    expect(app.tableIds.tokens).not.toBe(app.tableIds.activity);
  });

  test.each(tables)("the $name table is built from its shared definition", ({ name, definition }) => {
    const table = app.resources[app.tableIds[name]]!;
    expect(table.Properties.BillingMode).toBe("PAY_PER_REQUEST");
    expect(table.Properties.KeySchema).toEqual(keySchema(definition));
    expect(table.Properties.GlobalSecondaryIndexes ?? []).toEqual(
      definition.globalSecondaryIndexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: keySchema(index),
        Projection: { ProjectionType: index.projection ?? "ALL" },
      })),
    );
    const keys = [definition, ...definition.globalSecondaryIndexes].flatMap((k) => [k.partitionKey, k.sortKey]);
    const attributes = [...new Map(keys.map((key) => [key.name, { AttributeName: key.name, AttributeType: key.type }])).values()];
    expect(table.Properties.AttributeDefinitions).toEqual(expect.arrayContaining(attributes));
    expect(table.Properties.AttributeDefinitions).toHaveLength(attributes.length);
    expect(table.Properties.TimeToLiveSpecification).toEqual(
      definition.timeToLiveAttribute === undefined ? undefined : { AttributeName: definition.timeToLiveAttribute, Enabled: true },
    );
  });

  test("tokens expire by TTL; activity records are kept (no TTL, no indexes)", () => {
    expect(tableDefinitions.tokens.timeToLiveAttribute).toEqual(expect.any(String));
    expect((tableDefinitions.activity as TableDefinition).timeToLiveAttribute).toBeUndefined();
    expect(tableDefinitions.activity.globalSecondaryIndexes).toEqual([]);
  });

  test.each(tables)("the $name table is recoverable and survives the stack", ({ name }) => {
    const table = app.resources[app.tableIds[name]]!;
    expect(table.Properties.Replicas.length).toBeGreaterThan(0);
    for (const replica of table.Properties.Replicas) {
      expect(replica.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      // Off by default: it would block the rollback of a failed first deploy (context deletionProtection).
      expect(replica.DeletionProtectionEnabled).toBe(false);
    }
    expect(table.DeletionPolicy).toBe("RetainExceptOnCreate");
    expect(table.UpdateReplacePolicy).toBe("Retain");
  });

  test.each(tables)("the $name table is encrypted with DynamoDB's AWS-owned key (an explicit choice)", ({ name }) => {
    // `SSEEnabled: false` is CloudFormation's way of saying "the AWS-owned key" (DynamoDB always encrypts at rest).
    expect(app.resources[app.tableIds[name]]!.Properties.SSESpecification).toEqual({ SSEEnabled: false });
  });

  test("the tokens table streams old images (what on-token-deleted reads), the activity table new images (the outbox publish-token-events reads)", () => {
    expect(app.resources[app.tableIds.tokens]!.Properties.StreamSpecification).toEqual({ StreamViewType: "OLD_IMAGE" });
    expect(app.resources[app.tableIds.activity]!.Properties.StreamSpecification).toEqual({ StreamViewType: "NEW_IMAGE" });
    app.template.resourcePropertiesCountIs("AWS::DynamoDB::GlobalTable", { StreamSpecification: Match.anyValue() }, 2);
  });
});

describe("upgrading from byDueHour: keepByDueHourIndex", () => {
  let kept: SynthesizedTemplate;
  beforeAll(() => {
    kept = synthesizeShared({ keepByDueHourIndex: "true" });
  }, 180_000);

  test("keeps the retired index beside byDueDay (that deploy changes one index: it adds byDueDay), on the same keys", () => {
    const resources = kept.template.toJSON().Resources as Record<string, { Type: string; Properties: any }>;
    const indexes = resources[app.tableIds.tokens]!.Properties.GlobalSecondaryIndexes as { IndexName: string }[];
    expect(indexes.map((index) => index.IndexName)).toEqual([
      ...tableDefinitions.tokens.globalSecondaryIndexes.map((i) => i.indexName),
      "byDueHour",
    ]);
    const byName = (name: string) => indexes.find((index) => index.IndexName === name) as Record<string, unknown>;
    expect({ ...byName("byDueHour"), IndexName: "byDueDay" }).toEqual(byName("byDueDay"));
    // Without the option it is gone (the next deploy removes it).
    expect(JSON.stringify(app.resources[app.tableIds.tokens]!.Properties.GlobalSecondaryIndexes)).not.toContain("byDueHour");
    expect(kept.violations).toEqual([]);
  });

  test("no function may query it", () => {
    const resources = kept.template.toJSON().Resources as Record<string, { Type: string; Properties: any }>;
    const statements = Object.values(resources)
      .filter((resource) => resource.Type === "AWS::IAM::Policy")
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Record<string, any>[]);
    expect(statements.filter((s) => JSON.stringify(s.Resource).includes("/index/byDueHour"))).toEqual([]);
    expect(actionsOf(statements).length).toBeGreaterThan(0);
  });
});
