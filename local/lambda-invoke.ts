import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Context } from "aws-lambda";

/** A handler module's `handler`, as Lambda calls it. */
export type LambdaHandler<E, R> = (event: E, context: Context) => Promise<R>;

/** Imports a handler module as Lambda loads it (its configuration read from the environment at import). */
export async function loadHandler<E, R>(root: string, module: string): Promise<LambdaHandler<E, R>> {
  const loaded = (await import(pathToFileURL(resolve(root, module)).href)) as { handler?: LambdaHandler<E, R> };
  if (typeof loaded.handler !== "function") throw new Error(`${module} does not export a handler`);
  return loaded.handler;
}

/** The context Lambda passes, with the function's timeout as the deadline. */
export function lambdaContext(functionName: string, requestId: string, timeoutSeconds = 10): Context {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: "256",
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
