/**
 * Deploying side by side and with a real identity provider (stages, the user-id claim, the test-event
 * registry): the three apps of the deployment guide, each synthesized with both nag packs.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { DEFAULT_POOL_USER_ID_CLAIM } from "../../infra/api-token-service-stack.ts";
import { routes } from "../../infra/routes.ts";
import { synthesize, synthesizeShared, type SynthesizedTemplate } from "./synth.ts";

type Resources = Record<string, { Type: string; Properties: any; DependsOn?: string[]; DeletionPolicy?: string }>;

const APPS = {
  default: {},
  blue: { stage: "blue" },
  green: { stage: "green", userIdClaim: "custom:platform_user_id" },
} as const;

const synthesized = {} as Record<keyof typeof APPS, SynthesizedTemplate>;
const resourcesOf = (app: keyof typeof APPS): Resources => synthesized[app].template.toJSON().Resources;
const ofType = (app: keyof typeof APPS, type: string) => Object.entries(resourcesOf(app)).filter(([, r]) => r.Type === type);

beforeAll(() => {
  for (const [name, context] of Object.entries(APPS)) synthesized[name as keyof typeof APPS] = synthesizeShared(context);
}, 300_000);

describe("the deployment guide's apps", () => {
  test.each(Object.keys(APPS))("%s passes both nag packs", (app) => {
    expect(synthesized[app as keyof typeof APPS].violations).toEqual([]);
  });

  test("a stage names its stack; without one the first deployment's name stays", () => {
    expect(synthesized.default.stackName).toBe("ApiTokenService");
    expect(synthesized.blue.stackName).toBe("ApiTokenService-blue");
    expect(synthesized.green.stackName).toBe("ApiTokenService-green");
  });

  test("a stage name that cannot be part of physical names is refused", () => {
    expect(() => synthesize({ stage: "Prod_1" })).toThrow(/stage must be 1-20 lower-case letters/);
  });
});

/**
 * Every name the template gives a resource (or an export), with references to the stack's own resources
 * written as `<stack>:<logical id>`: CloudFormation names those resources after their stack, so a name
 * built from them differs between stacks even where the template text is the same.
 */
function physicalNames(app: keyof typeof APPS): Map<string, string> {
  const { stackName, template } = synthesized[app];
  const resources = resourcesOf(app);
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== "object") return value;
    const record = value as Record<string, unknown>;
    if (typeof record.Ref === "string" && record.Ref in resources) return `${stackName}:${record.Ref}`;
    const getAtt = record["Fn::GetAtt"];
    if (Array.isArray(getAtt) && getAtt[0] in resources) return `${stackName}:${getAtt.join(".")}`;
    return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, resolve(item)]));
  };
  // The properties that name a resource account-wide. Not RegistryName: the test-event registry is the
  // account's, shared on purpose (the stacks only make sure it exists).
  const NAME_KEYS = [
    "AlarmName",
    "DashboardName",
    "LogGroupName",
    "FunctionName",
    "TableName",
    "QueueName",
    "TopicName",
    "RoleName",
    "ManagedPolicyName",
    "SchemaName",
    "UserPoolName",
    "Name",
  ];
  const names = new Map<string, string>();
  for (const [id, resource] of Object.entries(resources)) {
    // An authorizer's name is its API's business, not the account's.
    if (resource.Type === "AWS::ApiGatewayV2::Authorizer") continue;
    for (const key of NAME_KEYS) {
      const value = resource.Properties?.[key];
      if (value !== undefined) names.set(JSON.stringify([resource.Type, key, resolve(value)]), `${id}.${key}`);
    }
  }
  for (const [id, output] of Object.entries<any>(template.toJSON().Outputs ?? {})) {
    if (output.Export) names.set(JSON.stringify(["Export", resolve(output.Export.Name)]), `Outputs.${id}`);
  }
  return names;
}

describe("stages side by side in one account and region", () => {
  test("two stages (and the unstaged stack) share no physical name", () => {
    const blue = physicalNames("blue");
    const green = physicalNames("green");
    const unstaged = physicalNames("default");
    expect(blue.size).toBeGreaterThan(30); // alarms, the dashboard, the API, the export, ...
    const shared = (a: Map<string, string>, b: Map<string, string>) => [...a.keys()].filter((name) => b.has(name));
    expect(shared(blue, green)).toEqual([]);
    expect(shared(blue, unstaged)).toEqual([]);
    expect(shared(green, unstaged)).toEqual([]);
  });

  test("each stage publishes and watches its own metrics namespace", () => {
    const namespaces = (app: keyof typeof APPS) =>
      new Set(
        ofType(app, "AWS::Lambda::Function")
          .map(([, fn]) => fn.Properties.Environment?.Variables?.METRICS_NAMESPACE)
          .filter((namespace) => namespace !== undefined),
      );
    expect(namespaces("default")).toEqual(new Set(["ApiTokenService"]));
    expect(namespaces("blue")).toEqual(new Set(["ApiTokenService/blue"]));
    expect(namespaces("green")).toEqual(new Set(["ApiTokenService/green"]));
    const [, dashboard] = ofType("blue", "AWS::CloudWatch::Dashboard")[0]!;
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    expect(body).toContain('\\"ApiTokenService/blue\\"');
    expect(body).not.toMatch(/\\"ApiTokenService\\",/);
  });

  test("without a stage, the stateful resources keep their logical ids, so an update never replaces them", () => {
    const pinned: Record<string, string> = {
      TableCD117FA1: "AWS::DynamoDB::GlobalTable",
      ActivityTable0B58B12C: "AWS::DynamoDB::GlobalTable",
      UserPool6BA7E5F2: "AWS::Cognito::UserPool",
      MonitoringTopicKey423AF5B2: "AWS::KMS::Key",
      CursorKey255E8F8A: "AWS::SecretsManager::Secret",
    };
    const resources = resourcesOf("default");
    for (const [id, type] of Object.entries(pinned)) expect(resources[id]?.Type, id).toBe(type);
    const stateful = Object.entries(resources).filter(([, r]) => Object.values(pinned).includes(r.Type));
    expect(stateful.map(([id]) => id).sort()).toEqual(Object.keys(pinned).sort());
  });

  test.each(Object.keys(APPS))("%s: no plain Retain, so a failed first deploy leaves nothing behind", (app) => {
    const kept = Object.entries(resourcesOf(app as keyof typeof APPS)).filter(([, r]) => r.DeletionPolicy && r.DeletionPolicy !== "Delete");
    expect(kept.length).toBeGreaterThan(20); // tables, user pool, keys, every log group
    for (const [id, resource] of kept) expect(resource.DeletionPolicy, id).toBe("RetainExceptOnCreate");
  });

  test.each(Object.keys(APPS))("%s: every test-event schema depends on the registry-ensuring custom resource", (app) => {
    const [ensureId] = ofType(app as keyof typeof APPS, "Custom::TestEventRegistry")[0]!;
    const schemas = ofType(app as keyof typeof APPS, "AWS::EventSchemas::Schema");
    expect(schemas.length).toBeGreaterThan(20);
    for (const [id, schema] of schemas) expect(schema.DependsOn ?? [], id).toContain(ensureId);
  });
});

describe("the platform user id claim", () => {
  const sessionOperations = new Set(routes.filter((route) => route.auth === "session").map((route) => route.operation));

  test.each([
    ["default", DEFAULT_POOL_USER_ID_CLAIM],
    ["green", "custom:platform_user_id"],
  ] as const)("%s: the claim reaches every session function, and only those", (app, claim) => {
    const functions = ofType(app, "AWS::Lambda::Function").filter(([, fn]) => fn.Properties.Environment?.Variables?.SERVICE_NAME);
    let sessionFunctions = 0;
    for (const [id, fn] of functions) {
      const value = fn.Properties.Environment.Variables.SESSION_USER_ID_CLAIM;
      if (sessionOperations.has(fn.Properties.Description)) {
        expect(value, id).toBe(claim);
        sessionFunctions += 1;
      } else {
        expect(value, id).toBeUndefined();
      }
    }
    expect(sessionFunctions).toBe(sessionOperations.size);
  });

  test("with the built-in pool the claim is an immutable custom attribute that the app client cannot write", () => {
    const [, pool] = ofType("green", "AWS::Cognito::UserPool")[0]!;
    expect(pool.Properties.Schema).toEqual([
      expect.objectContaining({ Name: "platform_user_id", AttributeDataType: "String", Mutable: false }),
    ]);
    const [, client] = ofType("green", "AWS::Cognito::UserPoolClient")[0]!;
    expect(client.Properties.WriteAttributes).toEqual(["name"]);
    expect(client.Properties.ExplicitAuthFlows).toEqual(expect.arrayContaining(["ALLOW_ADMIN_USER_PASSWORD_AUTH"]));
  });

  test("without callback URLs the app client offers the web page's code flow only (no implicit flow, no example.com)", () => {
    const [, client] = ofType("default", "AWS::Cognito::UserPoolClient")[0]!;
    expect(client.Properties.AllowedOAuthFlows).toEqual(["code"]);
    expect(JSON.stringify(client.Properties)).not.toContain("example.com");
  });

  test("a claim the built-in pool cannot carry is refused", () => {
    expect(() => synthesize({ userIdClaim: "email" })).toThrow(/sub or custom:<attribute>/);
  });
});
