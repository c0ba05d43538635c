import type * as z from "zod/mini";
import { DomainError } from "../../domain/errors.ts";
import { describeIssues, parseInput } from "../../domain/schemas.ts";
import type { BodyParser } from "./http-handler.ts";

/** A request body checked against a zod schema; failures become 400 `invalid_request` naming the fields. */
export function zodBody<TSchema extends z.ZodMiniType>(schema: TSchema): BodyParser<z.output<TSchema>> {
  return (body) => {
    const result = parseInput(schema, body);
    if (!result.success) throw new DomainError("invalid_request", describeIssues(result.error));
    return result.data;
  };
}
