import type { CfnElement } from "aws-cdk-lib";
import { Construct, type IConstruct } from "constructs";

/**
 * A part of the service's stack (sessions, the HTTP API, lifecycle events, the TTL-deletion stream) as a
 * construct of its own, which moves nothing that is deployed: its id is left out of the logical ids of the
 * resources in it (see `logicalIdScopes`, used by ApiTokenServiceStack.allocateLogicalId). The stack made
 * these resources itself before it was split into parts, and a changed logical id makes CloudFormation
 * replace the resource: a new, empty table or user pool, a new API, an orphaned log group.
 * test/infra/logical-ids.snapshot.json pins every id.
 *
 * Two parts must not hold resources with the same id path; CloudFormation ids would collide, and synthesis
 * fails on that ("already contains").
 */
export abstract class StackPart extends Construct {}

/** The element's scopes as logical ids see them: every `StackPart` left out. */
export function logicalIdScopes(element: CfnElement): IConstruct[] {
  return element.node.scopes.filter((scope) => !(scope instanceof StackPart));
}
