/**
 * EventBridge event patterns for the local `PutEvents` endpoint, only as wide as the rules in
 * `infra/event-rules.ts` need: exact string values on the envelope's `source` and `detail-type`. Anything
 * else a pattern could say (other fields, nested detail fields, operators such as prefix or anything-but,
 * `$or`, numbers) is refused when the pattern is compiled, at the local server's start: a rule that matched
 * less locally than in AWS would hide bugs. Widen this when a rule needs more, with a test beside it.
 */

/** Thrown for a pattern that EventBridge would reject or that this matcher does not implement. */
export class EventPatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EventPatternError";
  }
}

const SUPPORTED_FIELDS = new Set(["source", "detail-type"]);

export type EventMatcher = (event: Readonly<Record<string, unknown>>) => boolean;

/** Checks the pattern once and returns its matcher: an event matches when each field equals one listed value. */
export function compileEventPattern(pattern: unknown): EventMatcher {
  if (typeof pattern !== "object" || pattern === null || Array.isArray(pattern)) {
    throw new EventPatternError("Event pattern must be a JSON object");
  }
  const fields = Object.entries(pattern);
  if (fields.length === 0) throw new EventPatternError("Empty objects are not allowed");
  const allowed = fields.map(([field, values]): [string, ReadonlySet<string>] => {
    if (!SUPPORTED_FIELDS.has(field)) {
      throw new EventPatternError(`"${field}": only ${[...SUPPORTED_FIELDS].join(" and ")} are supported by the local matcher`);
    }
    if (!Array.isArray(values)) throw new EventPatternError(`"${field}" must be an array of values`);
    if (values.length === 0) throw new EventPatternError(`${field}: Empty arrays are not allowed`);
    for (const value of values) {
      if (typeof value !== "string") {
        throw new EventPatternError(`${field}: only exact string values are supported by the local matcher, not ${JSON.stringify(value)}`);
      }
    }
    return [field, new Set(values)];
  });
  return (event) =>
    allowed.every(([field, values]) => {
      const value = Object.hasOwn(event, field) ? event[field] : undefined;
      return typeof value === "string" && values.has(value);
    });
}
