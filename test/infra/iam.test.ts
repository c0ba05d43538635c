/** Least privilege: each function's role holds exactly its operation's actions, on named resources. */
import { describe, expect, test } from "vitest";
import { tableDefinitions } from "../../functions/adapters/dynamodb/table-definition.ts";
import { schedules } from "../../infra/schedules.ts";
import { eventRules } from "../../infra/event-rules.ts";
import {
  onLeakReportFunction,
  onTokenDeletedFunction,
  publishTokenEventsFunction,
  redriveDeadLettersFunction,
} from "../../infra/ops/operator-functions.ts";
import {
  ACTIVITY_ACTIONS,
  actionsOf,
  allDefinitions,
  allOperations,
  asList,
  dynamoActionsOf,
  onTable,
  refersTo,
  tableOperations,
  useDefaultApp,
} from "./template.ts";

const app = useDefaultApp();
/** The policy of CDK's BucketDeployment handler (it copies the web page into its bucket during a deploy). */
const BUCKET_DEPLOYMENT_POLICY = "CustomCDKBucketDeployment";

const WRITE_ACTION = /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem|PartiQL(Insert|Update|Delete)|\*)$/;
/** What would let a role change or remove an activity record (or the whole log). */
const ACTIVITY_EDIT_ACTIONS = [
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:PartiQLUpdate",
  "dynamodb:PartiQLDelete",
  "dynamodb:DeleteTable",
];

/** Whether an action pattern (which may hold `*` wildcards) covers the action. */
const covers = (pattern: string, action: string) =>
  new RegExp(
    `^${pattern
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
    "i",
  ).test(action);

const LOGS = ["logs:CreateLogStream", "logs:PutLogEvents"];
const XRAY = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"];
const LOOKUP = ["dynamodb:GetItem", "dynamodb:BatchGetItem"];
const READ = [...LOOKUP, "dynamodb:Query"];
const READ_WRITE = [...READ, "dynamodb:ConditionCheckItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"];
const ON_FAILURE = ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"];
const REDRIVE_SQS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"];
/** What an SQS event source mapping needs of its queue (the worker of the leak reports). */
const SQS_CONSUME = ["sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl", "sqs:DeleteMessage", "sqs:GetQueueAttributes"];
const STREAM_READ = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"];

const expectedActions = (operation: string): string[] => {
  const definition = allDefinitions.find((o) => o.operation === operation)!;
  const actions = [...LOGS, ...XRAY];
  if (definition.tableAccess === "lookup") actions.push(...LOOKUP);
  if (definition.tableAccess === "read") actions.push(...READ);
  if (definition.indexes?.length) actions.push("dynamodb:Query");
  if (definition.scan) actions.push("dynamodb:Scan");
  if (definition.tableAccess === "readWrite") actions.push(...READ_WRITE);
  if (definition.tableAccess === "revoke") actions.push("dynamodb:GetItem", "dynamodb:UpdateItem");
  if (definition.tableAccess === "leakReportCounters") actions.push("dynamodb:UpdateItem");
  if (operation === "revoke-leaked") actions.push("sqs:SendMessage");
  if (operation === onLeakReportFunction.operation) actions.push(...SQS_CONSUME);
  actions.push(...ACTIVITY_ACTIONS[definition.activityAccess]);
  // Only the two routes that re-check a password (generate and rotate a user token) may ask the pool.
  if (operation === "generate-user-token" || operation === "rotate-user-token") actions.push("cognito-idp:AdminInitiateAuth");
  // Asynchronous invocations (event rules, scheduled jobs) send their failures to their own queue.
  if ([...eventRules, ...schedules].some((definition) => definition.operation === operation)) actions.push(...ON_FAILURE);
  if (operation === onTokenDeletedFunction.operation) actions.push(...STREAM_READ, ...ON_FAILURE);
  // The activity table's stream, its own on-failure queue, and the token events' bus.
  if (operation === publishTokenEventsFunction.operation) actions.push(...STREAM_READ, ...ON_FAILURE, "events:PutEvents");
  if (operation === redriveDeadLettersFunction.operation) actions.push(...REDRIVE_SQS, "lambda:InvokeFunction");
  return [...new Set(actions)].sort();
};

describe("each role holds exactly its operation's actions", () => {
  test.each(allOperations)("%s", (operation) => {
    expect([...new Set(actionsOf(app.statementsOf(operation)))].sort()).toEqual(expectedActions(operation));
  });

  test("every statement names its resources and actions, except X-Ray's resource (no resource-level permissions)", () => {
    const ours = app
      .ofType("AWS::IAM::Policy")
      .filter(([id]) => !id.startsWith(BUCKET_DEPLOYMENT_POLICY))
      .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Record<string, any>[]);
    for (const statement of ours) {
      const actions = asList<string>(statement.Action);
      const wildcardResource = asList<unknown>(statement.Resource).some((r) => typeof r === "string" && r.includes("*"));
      if (wildcardResource) expect(actions.sort()).toEqual([...XRAY].sort());
      // No `dynamodb:*`, no `*`, no prefix wildcards.
      expect(
        actions.some((action) => action.includes("*")),
        actions.join(),
      ).toBe(false);
    }
  });

  test("CDK's BucketDeployment handler (its grants are CDK's) may touch only S3: the CDK assets bucket and the site bucket", () => {
    const policies = app.ofType("AWS::IAM::Policy").filter(([id]) => id.startsWith(BUCKET_DEPLOYMENT_POLICY));
    expect(policies).toHaveLength(1);
    const [siteBucketId] = app.ofType("AWS::S3::Bucket").find(([id]) => id.startsWith("WebSiteBucket"))!;
    for (const statement of policies[0]![1].Properties.PolicyDocument.Statement as Record<string, any>[]) {
      expect(asList<string>(statement.Action).every((action) => action.startsWith("s3:"))).toBe(true);
      for (const resource of asList<unknown>(statement.Resource)) {
        expect(
          refersTo(resource, siteBucketId) || JSON.stringify(resource).includes("cdk-hnb659fds-assets-"),
          JSON.stringify(resource),
        ).toBe(true);
      }
    }
  });

  test("log writes go to the function's own log group only", () => {
    for (const operation of allOperations) {
      const [, fn] = app.functionOf(operation);
      const logStatements = app.statementsOf(operation).filter((s) => asList<string>(s.Action).some((a) => a.startsWith("logs:")));
      expect(
        logStatements.map((s) => s.Resource),
        operation,
      ).toEqual([{ "Fn::GetAtt": [fn.Properties.LoggingConfig.LogGroup.Ref, "Arn"] }]);
    }
  });
});

describe("the tables", () => {
  test("each function may write to the tokens table only when its tableAccess says readWrite (list-activity only reads)", () => {
    expect(tableOperations.filter((o) => o.tableAccess === "read").map((o) => o.operation)).toContain("list-activity");
    for (const { operation, tableAccess } of tableOperations) {
      const actions = dynamoActionsOf(onTable(app.statementsOf(operation), app.tableIds.tokens));
      const writes = actions.filter((action) => WRITE_ACTION.test(action));
      if (tableAccess === "leakReportCounters") {
        // Its counters, and nothing it could read a token with.
        expect(actions, operation).toEqual(["dynamodb:UpdateItem"]);
        continue;
      }
      expect(actions, operation).toContain("dynamodb:GetItem");
      if (tableAccess === "revoke") expect(writes, operation).toEqual(["dynamodb:UpdateItem"]);
      else if (tableAccess !== "readWrite") expect(writes, operation).toEqual([]);
      else expect(writes, operation).toContain("dynamodb:PutItem");
    }
  });

  test("revoke-leaked reads nothing: UpdateItem of its report counters only (their keys, by condition), and SendMessage to its queue", () => {
    const statements = app.statementsOf("revoke-leaked").filter((s) => !asList(s.Action).some((a: string) => /^(logs|xray):/.test(a)));
    const queue = app.ofType("AWS::SQS::Queue").find(([id]) => id.startsWith("LeakReportsQueue"))![0];
    expect(statements).toEqual([
      {
        Effect: "Allow",
        Action: "dynamodb:UpdateItem",
        Resource: { "Fn::GetAtt": [app.tableIds.tokens, "Arn"] },
        Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["LEAK_REPORTS#*"] } },
      },
      { Effect: "Allow", Action: "sqs:SendMessage", Resource: { "Fn::GetAtt": [queue, "Arn"] } },
    ]);
  });

  test("each function has exactly the activity-table actions of its activityAccess, on the table's ARN only", () => {
    const activityArn = { "Fn::GetAtt": [app.tableIds.activity, "Arn"] };
    for (const { operation, activityAccess } of tableOperations) {
      const statements = onTable(app.statementsOf(operation), app.tableIds.activity);
      expect(dynamoActionsOf(statements).sort(), operation).toEqual([...ACTIVITY_ACTIONS[activityAccess]].sort());
      for (const statement of statements.filter((s) => dynamoActionsOf([s]).length > 0)) {
        expect(statement.Effect, operation).toBe("Allow");
        expect(asList(statement.Resource), operation).toEqual([activityArn]);
      }
    }
  });

  test("no role can edit or delete an activity record", () => {
    // Every policy in the stack, not only the functions' roles.
    const onActivity = onTable(app.allStatements(), app.tableIds.activity);
    for (const statement of onActivity.filter((s) => s.Effect === "Allow")) {
      for (const pattern of dynamoActionsOf([statement])) {
        for (const action of ACTIVITY_EDIT_ACTIONS) expect(covers(pattern, action), `${pattern} covers ${action}`).toBe(false);
      }
    }
    // Across the whole stack, the only DynamoDB actions on the activity log are those the definitions give out,
    // and the reading of its stream (publish-token-events' event source mapping, on the stream's ARN only).
    const onStream = (s: Record<string, any>) =>
      asList<unknown>(s.Resource).every(
        (r) => JSON.stringify(r) === JSON.stringify({ "Fn::GetAtt": [app.tableIds.activity, "StreamArn"] }),
      );
    expect(dynamoActionsOf(onActivity.filter(onStream)).sort()).toEqual([...STREAM_READ].sort());
    const granted = new Set(dynamoActionsOf(onActivity.filter((s) => !onStream(s))));
    const expected = new Set<string>(tableOperations.flatMap((o) => ACTIVITY_ACTIONS[o.activityAccess]));
    expect([...granted].sort()).toEqual([...expected].sort());
  });

  const indexArn = (name: string) => ({ "Fn::Join": ["", [{ "Fn::GetAtt": [app.tableIds.tokens, "Arn"] }, `/index/${name}`]] });

  test("tokens-table Query reaches the byOrganization index by its own ARN, never index/*; byPerson only where named", () => {
    const [byOrganization, byPerson] = tableDefinitions.tokens.globalSecondaryIndexes;
    for (const { operation, tableAccess, indexes } of tableOperations) {
      const indexStatements = app.statementsOf(operation).filter((s) => JSON.stringify(s.Resource).includes("/index/"));
      const expected = [
        ...(["lookup", "revoke", "leakReportCounters"].includes(tableAccess)
          ? []
          : [expect.objectContaining({ Action: "dynamodb:Query", Resource: indexArn(byOrganization.indexName) })]),
        ...(indexes ?? []).map((name) => expect.objectContaining({ Action: "dynamodb:Query", Resource: indexArn(name) })),
      ];
      expect(indexStatements, operation).toEqual(expected);
      expect(JSON.stringify(indexStatements).includes(`/index/${byPerson.indexName}`), operation).toBe(operation === "get-me");
    }
  });

  test("GET /v1/me reads by key and queries the person index, nothing else; only the backfill may Scan, and only the tokens table", () => {
    const me = app.statementsOf("get-me").filter((s) => dynamoActionsOf([s]).length > 0);
    expect(dynamoActionsOf(me).sort()).toEqual(["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query"]);
    const queries = me.filter((s) => dynamoActionsOf([s]).includes("dynamodb:Query"));
    expect(queries).toEqual([expect.objectContaining({ Action: "dynamodb:Query", Resource: indexArn("byPerson") })]);
    const scanners = allOperations.filter((operation) =>
      app.statementsOf(operation).some((s) => dynamoActionsOf([s]).some((action) => covers(action, "dynamodb:Scan"))),
    );
    expect(scanners).toEqual(["backfill-person-index"]);
    const scans = app.statementsOf("backfill-person-index").filter((s) => dynamoActionsOf([s]).includes("dynamodb:Scan"));
    expect(scans).toEqual([expect.objectContaining({ Action: "dynamodb:Scan", Resource: { "Fn::GetAtt": [app.tableIds.tokens, "Arn"] } })]);
  });
});
