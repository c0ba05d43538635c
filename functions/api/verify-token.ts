import { DomainError } from "../domain/errors.ts";
import { TokenVerifier } from "../domain/verification.ts";
import { httpHandler } from "../platform/http/http-handler.ts";
import { recordVerification } from "../platform/metrics.ts";
import { clock, store } from "../platform/services.ts";

const verifier = new TokenVerifier({ store, clock });

/**
 * `{ token, orgId? }`, strictly. Written by hand to keep a schema library out of the hot path's bundle.
 * A token of the wrong shape is an answer (`malformed`), not a bad request: any string is accepted.
 */
function verifyBody(body: Record<string, unknown>): { token: string; orgId?: string } {
  const unknown = Object.keys(body).filter((key) => key !== "token" && key !== "orgId");
  const problems = [
    ...(unknown.length > 0 ? [`unknown field(s): ${unknown.join(", ")}`] : []),
    ...(typeof body.token !== "string" ? ["token: expected string"] : []),
    ...(body.orgId !== undefined && typeof body.orgId !== "string" ? ["orgId: expected string"] : []),
  ];
  if (problems.length > 0) throw new DomainError("invalid_request", `Invalid request: ${problems.join("; ")}.`);
  return body.orgId === undefined ? { token: body.token as string } : { token: body.token as string, orgId: body.orgId as string };
}

/** POST /v1/verify: other services check an API token (IAM-protected in AWS). */
export const handler = httpHandler({
  access: "open",
  body: verifyBody,
  run: async ({ input }) => {
    const started = performance.now();
    const result = await verifier.verify(input);
    recordVerification(result.valid, performance.now() - started);
    return result;
  },
});
