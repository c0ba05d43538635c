import { Arn, Stack, Validations } from "aws-cdk-lib";
import { PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId, type AwsSdkCall } from "aws-cdk-lib/custom-resources";
import { Construct } from "constructs";
import { TEST_EVENT_REGISTRY_NAME } from "../ops/console-test-events.ts";

/** The id CDK gives the one Lambda function behind every AwsCustomResource of a stack. */
const AWS_CUSTOM_RESOURCE_SINGLETON_ID = "AWS679f53fac002430cb0da5b7982bd2287";

/**
 * Makes sure the account's `lambda-testevent-schemas` registry exists, without owning it.
 *
 * The Lambda console creates that registry the first time anybody in the account and region saves a
 * shareable test event, and keeps every function's shared events there (ours and everybody else's). So the
 * stack must work both where it exists and where it does not, and must never delete it: CreateRegistry on
 * create and on update, "already exists" (ConflictException) counted as success, and nothing on delete.
 * The schemas depend on this resource, so they are created only once the registry is there.
 */
export class TestEventRegistry extends Construct {
  readonly registryName = TEST_EVENT_REGISTRY_NAME;
  readonly resource: AwsCustomResource;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stack = Stack.of(this);
    const registryArn = Arn.format({ service: "schemas", resource: "registry", resourceName: TEST_EVENT_REGISTRY_NAME }, stack);

    const ensureRegistry: AwsSdkCall = {
      service: "Schemas",
      action: "CreateRegistry",
      parameters: { RegistryName: TEST_EVENT_REGISTRY_NAME, Description: "Shareable Lambda console test events" },
      physicalResourceId: PhysicalResourceId.of(TEST_EVENT_REGISTRY_NAME),
      ignoreErrorCodesMatching: "ConflictException",
    };

    // Its own log group and role: this log group and CreateRegistry on this one registry, no managed policy.
    const logGroup = new LogGroup(this, "LogGroup", { retention: RetentionDays.ONE_MONTH });
    const role = new Role(this, "Role", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: "Ensures the lambda-testevent-schemas registry exists (api-token-service)",
    });
    role.addToPolicy(new PolicyStatement({ actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [logGroup.logGroupArn] }));

    this.resource = new AwsCustomResource(this, "EnsureRegistry", {
      resourceType: "Custom::TestEventRegistry",
      onCreate: ensureRegistry,
      onUpdate: ensureRegistry,
      // No onDelete: the registry is the account's, with other functions' shared test events in it.
      policy: AwsCustomResourcePolicy.fromStatements([
        new PolicyStatement({ actions: ["schemas:CreateRegistry"], resources: [registryArn] }),
      ]),
      role,
      logGroup,
      installLatestAwsSdk: false,
      memorySize: 128,
    });

    const singleton = stack.node.tryFindChild(AWS_CUSTOM_RESOURCE_SINGLETON_ID);
    if (singleton) acknowledgeDeployTimeFunction(singleton);
  }
}

/** cdk-nag findings on CDK's own deploy-time function, which runs once per deploy and serves no request. */
function acknowledgeDeployTimeFunction(singleton: Construct): void {
  const reasons: Record<string, string> = {
    "Serverless-LambdaDLQ": "Invoked synchronously by CloudFormation during a deploy: a failure fails the deploy, which is the report.",
    "Serverless-LambdaTracing": "A deploy-time call made once per deploy (CreateRegistry): nothing to trace.",
  };
  for (const [id, reason] of Object.entries(reasons)) Validations.of(singleton).acknowledge({ id, reason });
}
