import type { Context } from "aws-lambda";
import { DomainError } from "../domain/errors.ts";
import type { TokenVerifier, VerifyResult } from "../domain/verification.ts";
import { toErrorResponse } from "../platform/http/errors.ts";
import { type HttpEvent, type HttpResult, httpHandler } from "../platform/http/http-handler.ts";
import { logger } from "../platform/logger.ts";
import { flushMetrics, recordVerification } from "../platform/metrics.ts";
import { tokenVerifier } from "../platform/token-repository.ts";
import type { ResponseBody } from "../platform/http/contract.ts";

/**
 * `{ token, orgId? }`, strictly. Written by hand to keep a schema library out of the hot path's bundle.
 * A token of the wrong shape is an answer (`malformed`), not a bad request: any string is accepted.
 */
export function verifyBody(body: Record<string, unknown>): { token: string; orgId?: string } {
  const unknown = Object.keys(body).filter((key) => key !== "token" && key !== "orgId");
  const problems = [
    ...(unknown.length > 0 ? [`unknown field(s): ${unknown.join(", ")}`] : []),
    ...(typeof body.token !== "string" ? ["token: expected string"] : []),
    ...(body.orgId !== undefined && typeof body.orgId !== "string" ? ["orgId: expected string"] : []),
  ];
  if (problems.length > 0) throw new DomainError("invalid_request", `Invalid request: ${problems.join("; ")}.`);
  return body.orgId === undefined ? { token: body.token as string } : { token: body.token as string, orgId: body.orgId as string };
}

/** What a direct invocation gets when it cannot be answered: API.md's error shape, without the HTTP status. */
export interface DirectInvokeError {
  error: { code: string; message: string; requestId: string };
}

/**
 * The verify function answers two callers with the same rules:
 * - `POST /v1/verify` through API Gateway (IAM-protected in AWS): an event with `requestContext`;
 * - services inside AWS invoking the function directly (`lambda:InvokeFunction`, no API Gateway to pay for)
 *   with a plain `{ "token", "orgId"? }` event: the answer is the verification result object itself, and an
 *   event of the wrong shape (or a failure) gets `{ error: { code, message, requestId } }`, never a crash.
 * A successful verification logs nothing at INFO (it is counted in metrics); a refusal logs its reason.
 */
export function verifyHandler(verifier: TokenVerifier) {
  const verify = async (input: { token: string; orgId?: string }): Promise<VerifyResult> => {
    const started = performance.now();
    const result = await verifier.verify(input);
    recordVerification(result.valid, performance.now() - started);
    if (!result.valid) logger.info("token refused", { reason: result.reason });
    return result;
  };

  const overHttp = httpHandler({
    access: "open",
    body: verifyBody,
    quietSuccess: true,
    run: ({ input }): Promise<ResponseBody<"verify-token">> => verify(input),
  });

  const invokedDirectly = async (event: unknown, context: Context | undefined): Promise<VerifyResult | DirectInvokeError> => {
    const requestId = context?.awsRequestId ?? "unknown";
    logger.resetKeys();
    logger.appendKeys({ requestId, route: "invoke" });
    try {
      if (typeof event !== "object" || event === null || Array.isArray(event)) {
        throw new DomainError("invalid_request", 'Invalid request: the event must be a JSON object { "token": "...", "orgId"?: "..." }.');
      }
      return await verify(verifyBody(event as Record<string, unknown>));
    } catch (error) {
      const response = toErrorResponse(error, requestId);
      const answer = JSON.parse(response.body) as DirectInvokeError;
      if (!response.expected) {
        // Name and message only: never the event, which carries the token.
        logger.error("direct verification failed", {
          errorName: (error as Error | undefined)?.name,
          errorMessage: (error as Error | undefined)?.message,
        });
      } else {
        logger.info("direct verification refused", { errorCode: answer.error.code });
      }
      return answer;
    } finally {
      flushMetrics();
    }
  };

  return ((event: unknown, context: Context) =>
    isApiGatewayEvent(event) ? overHttp(event, context) : invokedDirectly(event, context)) as VerifyFunction;
}

/** The two ways in: API Gateway's event gets an HTTP result; anything else is a direct invocation. */
export interface VerifyFunction {
  (event: HttpEvent, context: Context): Promise<HttpResult>;
  (event: DirectVerifyEvent, context?: Context): Promise<VerifyResult | DirectInvokeError>;
}

/** A direct invocation's event (`lambda:InvokeFunction` payload). */
export interface DirectVerifyEvent {
  token: string;
  orgId?: string;
}

/** API Gateway's events always carry `requestContext`; a direct invocation's plain `{ token, orgId? }` never does. */
const isApiGatewayEvent = (event: unknown): event is HttpEvent =>
  typeof event === "object" && event !== null && Object.hasOwn(event, "requestContext");

export const handler = verifyHandler(tokenVerifier);
