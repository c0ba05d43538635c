import { defineConfig } from "vitest/config";

/**
 * What `npm run mutation` runs against each mutant of functions/domain: the unit tier and the domain-level
 * integration tier (the domain against DynamoDB Local). Left out:
 * - the e2e, model and infra tiers: they start servers or synthesize stacks, far too slow to repeat per mutant;
 * - the handler-level integration files below: they test the HTTP/event wiring around the domain, and they
 *   need a fresh module graph per file (handlers read their configuration from the environment at import),
 *   which would cost every mutant a re-import of the AWS SDK per file. Leaving tests out can only lower the
 *   score, never raise it.
 * `isolate: false` lets one mutant's test files share a module graph (the domain-level files allow it).
 */
export default defineConfig({
  test: {
    include: ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts"],
    exclude: [
      "**/node_modules/**",
      "test/integration/http-handler.test.ts",
      "test/integration/local-server.test.ts",
      "test/integration/operator-and-authorizer.test.ts",
      "test/integration/session-claim.test.ts",
      "test/integration/ttl-deletion.test.ts",
    ],
    isolate: false,
    globalSetup: ["test/support/mutation-dynamodb.global-setup.ts"],
    testTimeout: 90_000,
    hookTimeout: 60_000,
  },
});
