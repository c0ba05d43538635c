import type { z } from "zod";
import { DomainError } from "../../domain/errors.ts";
import { describeIssues } from "../../domain/schemas.ts";
import type { BodyParser } from "./http-handler.ts";

/** A request body checked against a zod schema; failures become 400 `invalid_request` naming the fields. */
export function zodBody<TSchema extends z.ZodType>(schema: TSchema): BodyParser<z.output<TSchema>> {
  return (body) => {
    const result = schema.safeParse(body);
    if (!result.success) throw new DomainError("invalid_request", describeIssues(result.error));
    return result.data;
  };
}
