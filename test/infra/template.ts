/**
 * The default app's template, shared by the stack's test files (synthesized once per source content, see
 * synthesizeShared), and the lookups they share: a function by its operation, a role's statements, references.
 */
import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, expect } from "vitest";
import { eventRules } from "../../infra/event-rules.ts";
import type { FunctionDefinition } from "../../infra/function-definition.ts";
import {
  onLeakReportFunction,
  onTokenDeletedFunction,
  operatorFunctions,
  publishTokenEventsFunction,
  tokenAuthorizerFunction,
} from "../../infra/ops/operator-functions.ts";
import { routes } from "../../infra/routes.ts";
import { schedules } from "../../infra/schedules.ts";
import { synthesizeShared, type SynthesizedTemplate } from "./synth.ts";

export interface Resource {
  Type: string;
  Properties: Record<string, any>;
  DependsOn?: string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

/** The functions that are neither a route nor an event handler. */
export const extraFunctions = [
  tokenAuthorizerFunction,
  onTokenDeletedFunction,
  publishTokenEventsFunction,
  onLeakReportFunction,
  ...operatorFunctions,
];
/** Every function definition of the stack, in the order the stack makes them. */
export const allDefinitions: readonly FunctionDefinition[] = [...routes, ...eventRules, ...schedules, ...extraFunctions];
export const allOperations = allDefinitions.map((definition) => definition.operation);
/** The functions that use the tables. */
export const tableOperations = allDefinitions.filter(
  (definition): definition is FunctionDefinition & { tableAccess: Exclude<FunctionDefinition["tableAccess"], "none"> } =>
    definition.tableAccess !== "none",
);

/** The exact DynamoDB actions each `activityAccess` allows on the activity table. */
export const ACTIVITY_ACTIONS = { none: [], append: ["dynamodb:PutItem"], read: ["dynamodb:Query"] } as const;

export const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

export interface DefaultApp {
  readonly synthesized: SynthesizedTemplate;
  readonly template: Template;
  readonly resources: Record<string, Resource>;
  readonly outputs: Record<string, { Value: any; Export?: { Name: string } }>;
  /** Logical ids of the tables, found through the outputs that name them. */
  readonly tableIds: { tokens: string; activity: string };
  ofType(type: string): [string, Resource][];
  /** The Lambda function made for an operation (the construct puts the operation's name in its description). */
  functionOf(operation: string): [string, Resource];
  /** Every IAM statement attached to the role of an operation's function. */
  statementsOf(operation: string): Record<string, any>[];
  /** Every IAM statement in the template, from any policy. */
  allStatements(): Record<string, any>[];
  /** The logical id of an event handler's dead-letter queue (its on-failure destination). */
  deadLetterQueueOf(operation: string): string;
}

/** Registers a beforeAll that loads the default app; the returned object is usable inside tests. */
export function useDefaultApp(): DefaultApp {
  const app = {} as { -readonly [K in keyof DefaultApp]: DefaultApp[K] };
  beforeAll(() => {
    const synthesized = synthesizeShared();
    const json = synthesized.template.toJSON();
    const resources = json.Resources as Record<string, Resource>;
    const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
    const functionOf = (operation: string): [string, Resource] => {
      const found = ofType("AWS::Lambda::Function").filter(([, fn]) => fn.Properties.Description === operation);
      expect(found, `functions for ${operation}`).toHaveLength(1);
      return found[0]!;
    };
    const statementsOf = (operation: string) => {
      const roleId = functionOf(operation)[1].Properties.Role["Fn::GetAtt"][0];
      return ofType("AWS::IAM::Policy")
        .filter(([, policy]) => policy.Properties.Roles.some((role: any) => role.Ref === roleId))
        .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Record<string, any>[]);
    };
    Object.assign(app, {
      synthesized,
      template: synthesized.template,
      resources,
      outputs: json.Outputs,
      tableIds: { tokens: json.Outputs.TableName.Value.Ref, activity: json.Outputs.ActivityTableName.Value.Ref },
      ofType,
      functionOf,
      statementsOf,
      allStatements: () => ofType("AWS::IAM::Policy").flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement),
      deadLetterQueueOf: (operation: string) => {
        const [functionId] = functionOf(operation);
        const [, config] = ofType("AWS::Lambda::EventInvokeConfig").find(([, c]) => c.Properties.FunctionName?.Ref === functionId)!;
        return config.Properties.DestinationConfig.OnFailure.Destination["Fn::GetAtt"][0];
      },
    });
  }, 180_000);
  return app;
}

/** Whether a CloudFormation value refers to the logical id (Ref or GetAtt), at any depth (e.g. inside Fn::Join). */
export function refersTo(value: unknown, logicalId: string): boolean {
  if (Array.isArray(value)) return value.some((item) => refersTo(item, logicalId));
  if (value === null || typeof value !== "object") return false;
  const record = value as Record<string, unknown>;
  if (record.Ref === logicalId) return true;
  const getAtt = record["Fn::GetAtt"];
  if (Array.isArray(getAtt) && getAtt[0] === logicalId) return true;
  return Object.values(record).some((item) => refersTo(item, logicalId));
}

export const actionsOf = (statements: Record<string, any>[]) => statements.flatMap((s) => asList<string>(s.Action));

/** Actions that can concern DynamoDB: its own and the all-services wildcard. */
export const dynamoActionsOf = (statements: Record<string, any>[]) =>
  actionsOf(statements).filter((action) => action === "*" || action.toLowerCase().startsWith("dynamodb:"));

/** The statements whose resources include the table, by reference or by a wildcard ARN (or "*"). */
export const onTable = (statements: Record<string, any>[], tableId: string) =>
  statements.filter((s) => asList<unknown>(s.Resource).some((r) => (typeof r === "string" ? r.includes("*") : refersTo(r, tableId))));
