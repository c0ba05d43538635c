import { Logger } from "@aws-lambda-powertools/logger";

/**
 * Structured JSON logs. Never log an event, a body or an Authorization header: they carry secrets and
 * passwords. Log ids, routes, statuses, error codes and timings.
 */
export const logger = new Logger({ serviceName: "api-token-service" });
