import { defineConfig } from "vitest/config";

/**
 * The tiers `npm run mutation` runs against each mutant: unit (no I/O) and integration (the domain against
 * DynamoDB Local). The e2e, model and infra tiers stay out: they start servers or synthesize stacks, and a
 * mutation run repeats the chosen tests hundreds of times on a 2-core machine.
 */
export default defineConfig({
  test: {
    include: ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts"],
    globalSetup: ["test/support/mutation-dynamodb.global-setup.ts"],
    testTimeout: 90_000,
    hookTimeout: 60_000,
  },
});
