import { Duration } from "aws-cdk-lib";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import type { FunctionDefinition } from "../function-definition.ts";
import type { ConsoleTestEvent } from "../ops/console-test-events.ts";
import { ConsoleTestEvents } from "./console-test-events.ts";
import { OperationFunction, pascalCase, type LogLevel, type ServiceTableRef } from "./operation-function.ts";
import type { TestEventRegistry } from "./test-event-registry.ts";

/** One function to make: its definition and how the stack wires it. */
export interface FunctionPlan {
  readonly definition: FunctionDefinition;
  readonly invocation: "synchronous" | "asynchronous" | "event-source-mapping";
  /** Added to what every function gets. */
  readonly environment?: Readonly<Record<string, string>>;
  /** Asynchronous functions: where their failed invocations go. */
  readonly onFailure?: IQueue;
}

export interface OperationFunctionsProps {
  readonly plans: readonly FunctionPlan[];
  readonly tables: { readonly tokens: ServiceTableRef; readonly activity: ServiceTableRef };
  readonly logLevel: LogLevel;
  readonly sourceMaps: boolean;
  readonly metricsNamespace: string;
  /** Every function's console test events, by operation; a function without any fails synthesis. */
  readonly testEvents: Readonly<Record<string, readonly ConsoleTestEvent[]>>;
  readonly testEventRegistry: TestEventRegistry;
}

/**
 * Every function of the stack, made in this one loop: the shared construct with the definition's table access
 * and timeout, and its shareable console test events. Keyed by operation, in the plans' order.
 *
 * Made directly in `scope` (the stack), under the operation's PascalCase name: that path is in the logical id
 * of the function, its role, its log group, and of the permission each event rule holds to invoke it.
 */
export function createOperationFunctions(scope: Construct, props: OperationFunctionsProps): ReadonlyMap<string, OperationFunction> {
  const made = new Map<string, OperationFunction>();
  for (const { definition, invocation, environment, onFailure } of props.plans) {
    const { operation, handlerModule, tableAccess, activityAccess, timeoutSeconds, hotPath, indexes, scan } = definition;
    if (made.has(operation)) throw new Error(`Two functions for ${operation}.`);
    const fn = new OperationFunction(scope, pascalCase(operation), {
      operation,
      handlerModule,
      invocation,
      environment,
      onFailure,
      ...(timeoutSeconds === undefined ? {} : { timeout: Duration.seconds(timeoutSeconds) }),
      logLevel: props.logLevel,
      hotPath: hotPath ?? false,
      sourceMaps: props.sourceMaps,
      metricsNamespace: props.metricsNamespace,
      tables:
        tableAccess === "none"
          ? undefined
          : { ...props.tables, tableAccess, activityAccess, ...(indexes ? { indexes } : {}), ...(scan ? { scan } : {}) },
    });
    const events = props.testEvents[operation];
    if (!events) throw new Error(`No console test event for ${operation}.`);
    new ConsoleTestEvents(fn, "ConsoleTestEvents", { function: fn.function, events, registry: props.testEventRegistry });
    made.set(operation, fn);
  }
  return made;
}
