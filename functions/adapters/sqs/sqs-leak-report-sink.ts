import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { LeakedToken, LeakReportSink } from "../../domain/leaked-tokens.ts";

/** What a leak report's message body holds: ids and hashes, never a secret (leaked-tokens.ts). */
export interface LeakReportMessage {
  readonly tokens: readonly LeakedToken[];
}

/** The leak reports' queue in AWS: one message per report, for the on-leak-report worker. */
export class SqsLeakReportSink implements LeakReportSink {
  private readonly client = new SQSClient({ maxAttempts: 4 });

  constructor(private readonly queueUrl: string) {}

  async submit(tokens: readonly LeakedToken[]): Promise<void> {
    const body: LeakReportMessage = { tokens };
    await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(body) }));
  }
}

const TOKEN_ID = /^[0-9A-Za-z]{16}$/;
const HASH = /^[0-9a-f]{64}$/;

/** A message of the leak reports' queue (the worker's side), checked: `{ tokens: [{ tokenId, kind, secretHash }] }` (at most 100). */
export function parseLeakReport(body: string): LeakedToken[] {
  const message = JSON.parse(body) as { tokens?: unknown };
  if (!Array.isArray(message?.tokens) || message.tokens.length > 100) throw new Error("not a leak report");
  return message.tokens.map((entry: unknown) => {
    const { tokenId, kind, secretHash } = (entry ?? {}) as Record<string, unknown>;
    if (typeof tokenId !== "string" || !TOKEN_ID.test(tokenId)) throw new Error("not a leak report: tokenId");
    if (kind !== "user" && kind !== "service_user") throw new Error("not a leak report: kind");
    if (typeof secretHash !== "string" || !HASH.test(secretHash)) throw new Error("not a leak report: secretHash");
    return { tokenId, kind, secretHash };
  });
}
