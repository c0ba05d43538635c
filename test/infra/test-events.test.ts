/** Shareable Lambda console test events: one schema per function in the console's registry, and the samples. */
import { describe, expect, test } from "vitest";
import {
  membershipStatusEventSchema,
  organizationDeletedSchema,
  organizationSettingsChangedSchema,
  userUpsertedSchema,
} from "../../functions/domain/memberships.ts";
import { DEFAULT_POOL_USER_ID_CLAIM } from "../../infra/api-token-service-stack.ts";
import { eventRules } from "../../infra/event-rules.ts";
import { consoleTestEvents, TEST_EVENT_REGISTRY_NAME } from "../../infra/ops/console-test-events.ts";
import { operatorFunctions, redriveDeadLettersFunction } from "../../infra/ops/operator-functions.ts";
import { routes } from "../../infra/routes.ts";
import { allOperations, asList, useDefaultApp } from "./template.ts";

const app = useDefaultApp();
const expected = consoleTestEvents({ userIdClaim: DEFAULT_POOL_USER_ID_CLAIM });

describe("in the stack", () => {
  // That every schema depends on the registry-ensuring resource is in deployments.test.ts, for all three apps.
  test("exactly one schema per function; the registry is the account's, never a resource of this stack", () => {
    app.template.resourceCountIs("AWS::EventSchemas::Schema", allOperations.length);
    app.template.resourceCountIs("AWS::EventSchemas::Registry", 0);
  });

  test("the registry is created where it is missing, found where it exists, and never deleted", () => {
    app.template.resourceCountIs("Custom::TestEventRegistry", 1);
    const [, ensure] = app.ofType("Custom::TestEventRegistry")[0]!;
    for (const phase of ["Create", "Update"]) {
      expect(JSON.parse(ensure.Properties[phase])).toMatchObject({
        service: "Schemas",
        action: "CreateRegistry",
        parameters: { RegistryName: TEST_EVENT_REGISTRY_NAME },
        // The console (or another stage) made it already: that is success.
        ignoreErrorCodesMatching: "ConflictException",
      });
    }
    expect(ensure.Properties.Delete).toBeUndefined();
    // Its function may create that one registry, and nothing else of EventBridge Schemas.
    const schemaStatements = app.allStatements().filter((s) => asList<string>(s.Action).some((a) => a.startsWith("schemas:")));
    expect(schemaStatements).toEqual([
      expect.objectContaining({
        Action: "schemas:CreateRegistry",
        Resource: `arn:aws:schemas:eu-west-1:123456789012:registry/${TEST_EVENT_REGISTRY_NAME}`,
      }),
    ]);
  });

  test.each(allOperations)("%s has a shareable test event with its example payload", (operation) => {
    const [functionId] = app.functionOf(operation);
    const schemas = app.template.findResources("AWS::EventSchemas::Schema", {
      Properties: { SchemaName: { "Fn::Join": ["", ["_", { Ref: functionId }, "-schema"]] } },
    });
    expect(Object.keys(schemas), operation).toHaveLength(1);
    const schema = Object.values(schemas)[0]!.Properties;
    expect(schema).toMatchObject({ RegistryName: TEST_EVENT_REGISTRY_NAME, Type: "OpenApi3" });
    const content = JSON.parse(schema.Content);
    expect(content.openapi).toBe("3.0.0");
    const examples = expected[operation]!;
    expect(examples.length).toBeGreaterThan(0);
    expect(Object.keys(content.components.examples)).toEqual(examples.map((e) => e.name));
    for (const { name, event } of examples) {
      expect(content.components.examples[name].value).toEqual(event);
      expect(name).toMatch(/^[A-Za-z0-9._-]{1,25}$/);
    }
  });
});

describe("the samples", () => {
  test("route events are API Gateway payload 2.0 requests for that route, with placeholder credentials", () => {
    for (const route of routes) {
      const event = expected[route.operation]![0]!.event as any;
      expect(event.version).toBe("2.0");
      expect(event.routeKey).toBe(`${route.method} ${route.path}`);
      expect(event.requestContext.http.method).toBe(route.method);
      expect(event.rawPath).not.toMatch(/[{}]/);
      expect(event.rawPath).toMatch(new RegExp(`^${route.path.replace(/\{[^}]+\}/g, "[^/]+")}$`));
      for (const [name, value] of Object.entries(event.pathParameters ?? {})) {
        expect(route.path).toContain(`{${name}}`);
        expect(event.rawPath).toContain(`/${value}`);
      }
      expect(event.headers.authorization).toMatch(/<[^>]+>/);
      if (route.auth === "session") expect(event.requestContext.authorizer.jwt.claims.sub).toEqual(expect.any(String));
      if (route.auth === "iam") expect(event.requestContext.authorizer.iam.userArn).toEqual(expect.any(String));
      if (["POST", "PATCH"].includes(route.method) && route.operation !== "login-with-token") {
        expect(() => JSON.parse(event.body), route.operation).not.toThrow();
        expect(event.headers["content-type"]).toBe("application/json");
      }
    }
  });

  test("event-handler events are EventBridge events that match their rule and pass the handler's validation", () => {
    const detailSchemas: Record<string, { safeParse(value: unknown): { success: boolean } }> = {
      "User Upserted": userUpsertedSchema,
      "User Deactivated": membershipStatusEventSchema,
      "User Reactivated": membershipStatusEventSchema,
      "User Removed From Organization": membershipStatusEventSchema,
      "Organization Settings Changed": organizationSettingsChangedSchema,
      "Organization Deleted": organizationDeletedSchema,
    };
    for (const rule of eventRules) {
      const event = expected[rule.operation]![0]!.event as any;
      expect(rule.pattern.source).toContain(event.source);
      expect(rule.pattern["detail-type"]).toContain(event["detail-type"]);
      expect(detailSchemas[event["detail-type"]]!.safeParse(event.detail).success, rule.operation).toBe(true);
    }
  });

  test("operator events are dry runs, and the redrive one names a real handler", () => {
    for (const { operation } of operatorFunctions) {
      for (const { event } of expected[operation]!) expect(event.dryRun, operation).toBe(true);
    }
    const redrive = expected[redriveDeadLettersFunction.operation]![0]!.event;
    expect(eventRules.map((r) => r.operation)).toContain(redrive.handler);
  });

  test("no example holds anything shaped like a real API token", () => {
    expect(JSON.stringify(expected)).not.toMatch(/atk_(user|svc)_[0-9A-Za-z]{20,}/);
  });
});
