import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One DynamoDB Local for the whole run (started once, stopped even when setup fails).
    globalSetup: ["test/support/dynamodb-local.global-setup.ts"],
    // Both cores: vitest's default leaves one free (one worker on a 2-core machine), while the files spend much of
    // their time waiting on DynamoDB Local, a local server or Chromium. Measured on a fresh clone: 390 s with one
    // worker, 320 s with two.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // expect.poll waits up to 5 s (default 1 s): a browser on this shared 2-core machine can take that long to settle.
    expect: { poll: { timeout: 5_000 } },
    reporters: ["default", "./test/support/plain-summary-reporter.ts"],
  },
});
