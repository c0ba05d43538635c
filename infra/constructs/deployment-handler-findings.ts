import { Stack, Validations } from "aws-cdk-lib";
import { Policy, Role } from "aws-cdk-lib/aws-iam";
import type { Construct } from "constructs";

/**
 * cdk-nag findings on CDK's own BucketDeployment handler (one Lambda per stack and memory size, made by
 * aws-cdk-lib: its code, runtime and grants are not ours to change), acknowledged on that function and its
 * role only. Call it once every BucketDeployment of the stack exists (their grants are then in the policy).
 */
export function acknowledgeDeploymentHandler(scope: Construct): void {
  const stack = Stack.of(scope);
  const handlers = stack.node.children.filter((child) => child.node.id.startsWith("Custom::CDKBucketDeployment"));
  if (handlers.length === 0) throw new Error("No BucketDeployment handler found to acknowledge its cdk-nag findings.");
  const runtime =
    "aws-cdk-lib's BucketDeployment handler: CDK chooses its runtime (with the AWS CLI layer it needs) and moves it on with aws-cdk-lib upgrades.";
  const deployTime = "Runs only during a deploy, invoked synchronously by CloudFormation: a failure fails the deploy, which is the report.";
  const reasons: Record<string, string> = {
    "AwsSolutions-L1": runtime,
    "Serverless-LambdaLatestVersion": runtime,
    "Serverless-LambdaDLQ": deployTime,
    "Serverless-LambdaTracing": `${deployTime} Nothing to trace: it copies the page's files into the bucket.`,
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]":
      "CDK's BucketDeployment handler role: the basic execution policy only lets it write its own logs.",
  };
  const wildcards =
    "CDK's BucketDeployment grants: read (s3:GetObject*, s3:GetBucket*, s3:List*) on the CDK assets bucket and its objects, and " +
    "read/write/delete on this stack's site bucket and its objects only, which it syncs the page into.";
  for (const handler of handlers) {
    for (const [id, reason] of Object.entries(reasons)) Validations.of(handler).acknowledge({ id, reason });
    const role = handler.node.tryFindChild("ServiceRole");
    const policy = role instanceof Role ? role.node.tryFindChild("DefaultPolicy") : undefined;
    if (!(policy instanceof Policy)) throw new Error(`${handler.node.path}: no ServiceRole/DefaultPolicy to acknowledge.`);
    for (const finding of wildcardFindings(stack.resolve(policy.document.toJSON()))) {
      Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason: wildcards });
    }
  }
}

/**
 * The wildcard actions and resources of a resolved policy document, named as cdk-nag names its IAM5 findings
 * (`Action::s3:List*`, `Resource::<Bucket1234.Arn>/*`, `${AWS::AccountId}` as `<AWS::AccountId>`).
 */
export function wildcardFindings(document: { Statement?: { Action?: unknown; Resource?: unknown }[] }): string[] {
  const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
  const findings = new Set<string>();
  for (const statement of document.Statement ?? []) {
    for (const action of list(statement.Action)) if (String(action).includes("*")) findings.add(`Action::${String(action)}`);
    for (const resource of list(statement.Resource)) {
      const rendered = render(resource);
      if (rendered.includes("*")) findings.add(`Resource::${rendered}`);
    }
  }
  return [...findings];
}

function render(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null || typeof value !== "object") return String(value);
  const record = value as Record<string, unknown>;
  if (typeof record.Ref === "string") return `<${record.Ref}>`;
  const getAtt = record["Fn::GetAtt"];
  if (Array.isArray(getAtt)) return `<${getAtt.join(".")}>`;
  const join = record["Fn::Join"];
  if (Array.isArray(join)) return (join[1] as unknown[]).map(render).join(String(join[0]));
  const sub = record["Fn::Sub"];
  if (typeof sub === "string") return sub.replace(/\$\{([^}]+)\}/g, "<$1>");
  return JSON.stringify(value);
}
