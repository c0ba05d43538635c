import { admitLeakReport } from "../domain/leak-report-throttle.ts";
import { toLeakedTokens } from "../domain/leaked-tokens.ts";
import { httpHandler } from "../platform/http/http-handler.ts";
import { reportSources } from "../platform/http/report-sources.ts";
import { revokeLeakedRequestBody } from "../platform/http/request-bodies.ts";
import { zodBody } from "../platform/http/zod-body.ts";
import { clock, leakReportCounters, leakReportSink } from "../platform/leak-reports.ts";
import type { ResponseBody } from "../platform/http/contract.ts";

const reportBody = zodBody(revokeLeakedRequestBody);

/**
 * POST /v1/revoke-leaked: anyone who finds a leaked token reports it, with no credentials. The body's shape is
 * checked (400, 413), the report counted (429), queued, and answered 202 `{ received }` before any token is looked
 * up: neither the answer nor its timing says anything about the tokens. The worker revokes the live ones.
 */
export const handler = httpHandler({
  access: "open",
  successStatus: 202,
  body: reportBody,
  run: async ({ event, input }): Promise<ResponseBody<"revoke-leaked">> => {
    await admitLeakReport({ counters: leakReportCounters, clock }, reportSources(event));
    await leakReportSink.submit(toLeakedTokens(input.tokens));
    return { received: input.tokens.length };
  },
});
