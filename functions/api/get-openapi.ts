import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import document from "../../docs/openapi.json" with { type: "json" };

/** Serialized once per cold start: the document is part of the bundle (`npm run openapi` keeps it current). */
const body = JSON.stringify(document);

/**
 * GET /openapi.json: the API's OpenAPI 3.1 document, unauthenticated (it is the public contract: paths, bodies
 * and error codes, nothing of a deployment). No table, no I/O; caches may keep it for 5 minutes.
 */
export const handler = async (): Promise<APIGatewayProxyStructuredResultV2> => ({
  statusCode: 200,
  headers: { "content-type": "application/json", "cache-control": "public, max-age=300" },
  body,
});
