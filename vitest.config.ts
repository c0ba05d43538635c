import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One DynamoDB Local for the whole run (started once, stopped even when setup fails).
    globalSetup: ["test/support/dynamodb-local.global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ["default", "./test/support/plain-summary-reporter.ts"],
  },
});
