import { CfnDeletionPolicy, CfnResource, RemovalPolicy, type IAspect } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

/**
 * Every resource the stack keeps (tables, user pool, keys, log groups) is kept on a stack deletion or a
 * replacing update, but not when the stack's very first deploy fails and rolls back: CloudFormation's
 * `RetainExceptOnCreate`. So a failed first deploy leaves nothing behind to collide with the next one.
 */
export class RetainExceptOnCreate implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof CfnResource && node.cfnOptions.deletionPolicy === CfnDeletionPolicy.RETAIN) {
      node.applyRemovalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);
    }
  }
}
