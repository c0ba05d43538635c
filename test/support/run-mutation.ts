import { spawn } from "node:child_process";
import { startWithRetries } from "./mutation-dynamodb.global-setup.ts";

/**
 * `npm run mutation`: one DynamoDB Local for the whole Stryker run (its test-runner processes share it, see
 * mutation-dynamodb.global-setup.ts), then `stryker run` with any extra arguments (e.g. `--mutate <file>`).
 */
const dynamoDb = await startWithRetries();
const started = Date.now();
const stryker = spawn("npx", ["stryker", "run", ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, MUTATION_DYNAMODB_ENDPOINT: dynamoDb.endpoint },
});
const exitCode = await new Promise<number>((resolve) => stryker.once("exit", (code) => resolve(code ?? 1)));
await dynamoDb.stop();
console.log(`Mutation run took ${Math.round((Date.now() - started) / 1000)} s.`);
process.exit(exitCode);
