import { App } from "aws-cdk-lib";
import { ApiTokenServiceStack } from "./api-token-service-stack.ts";

const app = new App();

new ApiTokenServiceStack(app, "ApiTokenService", {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

app.synth();
