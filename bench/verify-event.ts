import type { Context } from "aws-lambda";

/** The verify route's event as API Gateway (payload 2.0) sends it. */
export const verifyEvent = (token: string, orgId: string) => ({
  version: "2.0",
  routeKey: "POST /v1/verify",
  rawPath: "/v1/verify",
  rawQueryString: "",
  headers: { "content-type": "application/json" },
  requestContext: { requestId: "bench", routeKey: "POST /v1/verify", http: { method: "POST", path: "/v1/verify" } },
  body: JSON.stringify({ token, orgId }),
  isBase64Encoded: false,
});

/** The Lambda context the bench's in-process invocations get. */
export const benchContext = { awsRequestId: "bench", getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
