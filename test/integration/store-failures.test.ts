import { TransactionCanceledException, ProvisionedThroughputExceededException } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { describe, expect, test } from "vitest";
import { DomainError, StoreUnavailable } from "../../functions/domain/errors.ts";
import { createDomainHarness } from "../support/domain-harness.ts";

/**
 * DynamoDB Local serializes transactions, so it never cancels one for a conflicting transaction the way
 * real DynamoDB does under contention. These tests inject what the real service would answer.
 */
function injecting(decide: (command: { constructor: { name: string } }) => Error | undefined) {
  const injected: string[] = [];
  const wrap = (client: DynamoDBDocumentClient): DynamoDBDocumentClient =>
    new Proxy(client, {
      get(target, property, receiver) {
        if (property !== "send") return Reflect.get(target, property, receiver);
        return async (command: { constructor: { name: string } }) => {
          const error = decide(command);
          if (error) {
            injected.push(`${command.constructor.name}:${error.name}`);
            throw error;
          }
          return target.send(command as never);
        };
      },
    });
  return { wrap, injected };
}

const transactionConflict = () =>
  new TransactionCanceledException({
    message: "Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict]",
    $metadata: {},
    CancellationReasons: [{ Code: "None" }, { Code: "TransactionConflict" }],
  });

describe("transaction conflicts (as real DynamoDB cancels concurrent transactions on one item)", () => {
  test("50 simultaneous generates still end in exactly 10 × 201 and 40 × 409, none in 503", async () => {
    let calls = 0;
    const injection = injecting((command) =>
      command.constructor.name === "TransactWriteCommand" && calls++ % 3 === 0 ? transactionConflict() : undefined,
    );
    const h = await createDomainHarness({ wrapClient: injection.wrap });
    const m = await h.addMember("org-conflicts", "ann");
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        h.userTokens.generate({ ...m, name: `t${i}` }).then(
          () => "ok",
          (error: unknown) => (error instanceof DomainError ? error.code : (error as Error).name),
        ),
      ),
    );
    expect(injection.injected.length).toBeGreaterThan(3);
    expect(outcomes.filter((o) => o === "ok")).toHaveLength(10);
    expect(outcomes.filter((o) => o === "token_limit_reached")).toHaveLength(40);
    expect(await h.userTokens.list(m)).toHaveLength(10);
  });

  test("a conflicted revoke is retried and completes once", async () => {
    let conflictsLeft = 2;
    const injection = injecting((command) =>
      command.constructor.name === "TransactWriteCommand" && conflictsLeft-- > 0 ? transactionConflict() : undefined,
    );
    const h = await createDomainHarness({ wrapClient: injection.wrap });
    conflictsLeft = 0;
    const m = await h.addMember("org-conflicts", "ben");
    const { token } = await h.userTokens.generate({ ...m, name: "t" });
    conflictsLeft = 2;
    await h.revoke({ ...m, tokenId: token.id });
    expect(injection.injected).toHaveLength(2);
    expect((await h.store.getToken(token.id))?.status).toBe("revoked");
    expect(await h.userTokens.list(m)).toEqual([]);
  });
});

describe("an unavailable database", () => {
  test("becomes StoreUnavailable (503) and changes nothing", async () => {
    let failWrites = false;
    const injection = injecting((command) =>
      failWrites && command.constructor.name === "TransactWriteCommand"
        ? new ProvisionedThroughputExceededException({ message: "Throughput exceeded", $metadata: {} })
        : undefined,
    );
    const h = await createDomainHarness({ wrapClient: injection.wrap });
    const m = await h.addMember("org-down", "cat");
    failWrites = true;
    await expect(h.userTokens.generate({ ...m, name: "t" })).rejects.toBeInstanceOf(StoreUnavailable);
    failWrites = false;
    expect(await h.userTokens.list(m)).toEqual([]);
    expect((await h.store.getTokenSet("org-down", "cat")).tokens).toEqual({});
  });
});
