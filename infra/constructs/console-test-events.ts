import { CfnSchema } from "aws-cdk-lib/aws-eventschemas";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Construct } from "constructs";
import { testEventSchemaContent, type ConsoleTestEvent } from "../ops/console-test-events.ts";
import type { TestEventRegistry } from "./test-event-registry.ts";

export interface ConsoleTestEventsProps {
  readonly function: IFunction;
  readonly events: readonly ConsoleTestEvent[];
  /** The account's `lambda-testevent-schemas` registry, ensured to exist before the schema is made. */
  readonly registry: TestEventRegistry;
}

/**
 * A function's shareable Lambda console test events: the console keeps them as an EventBridge schema
 * named `_<function name>-schema` (OpenApi3) in the `lambda-testevent-schemas` registry, one
 * `components.examples` entry per event. Deployed by CloudFormation, so a deploy restores them; events an
 * operator saves in the console on top are replaced by the next deploy.
 */
export class ConsoleTestEvents extends Construct {
  readonly schema: CfnSchema;

  constructor(scope: Construct, id: string, props: ConsoleTestEventsProps) {
    super(scope, id);
    this.schema = new CfnSchema(this, "Schema", {
      registryName: props.registry.registryName,
      schemaName: `_${props.function.functionName}-schema`,
      type: "OpenApi3",
      description: `Shareable Lambda console test events (${props.events.map((e) => e.name).join(", ")})`,
      content: testEventSchemaContent(props.events),
    });
    this.schema.node.addDependency(props.registry.resource);
  }
}
