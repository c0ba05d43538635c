import { ProvisionedThroughputExceededException } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

type Command = { constructor: { name: string }; input: { TransactItems?: unknown[] } };

/**
 * Fails chosen TransactWriteItems as a throttled or unreachable DynamoDB would after the SDK's retries, so a
 * test can stop a multi-step change part-way. `failNext(n)` fails the next n transactions of at least
 * `minItems` items; `failNth(n)` lets n − 1 transactions through and fails the nth.
 */
export function transactionFaults() {
  let failuresLeft = 0;
  let minItems = 0;
  let countdown = 0;
  const shouldFail = (command: Command) => {
    if (command.constructor.name !== "TransactWriteCommand") return false;
    if (countdown > 0) return --countdown === 0;
    if (failuresLeft > 0 && (command.input.TransactItems?.length ?? 0) >= minItems) return failuresLeft-- > 0;
    return false;
  };
  const wrap = (client: DynamoDBDocumentClient): DynamoDBDocumentClient =>
    new Proxy(client, {
      get(target, property, receiver) {
        if (property !== "send") return Reflect.get(target, property, receiver);
        return async (command: Command) => {
          if (shouldFail(command)) throw new ProvisionedThroughputExceededException({ message: "Throughput exceeded", $metadata: {} });
          return target.send(command as never);
        };
      },
    });
  return {
    wrap,
    failNext: (n: number, options: { minItems?: number } = {}) => {
      failuresLeft = n;
      minItems = options.minItems ?? 0;
    },
    failNth: (n: number) => {
      countdown = n;
    },
  };
}
