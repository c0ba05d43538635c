/**
 * EventBridge event-pattern matching for the local `PutEvents` endpoint, following the semantics of
 * aws/event-ruler (the engine behind EventBridge) for a subset of its operators. Anything outside the subset
 * throws instead of being ignored: a rule that matches less locally than in AWS would hide bugs.
 */

type PlainObject = Record<string, unknown>;

/** Thrown for a pattern that EventBridge would reject or that this matcher does not implement. */
export class EventPatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EventPatternError";
  }
}

// EventBridge compares numbers in this range with 6 decimal places (event-ruler's ComparableNumber).
const NUMERIC_LIMIT = 5_000_000_000;

interface NumericRange {
  readonly bottom: number;
  readonly openBottom: boolean;
  readonly top: number;
  readonly openTop: boolean;
}

export function validateEventPattern(pattern: unknown): void {
  if (!isPlainObject(pattern)) throw new EventPatternError("Event pattern must be a JSON object");
  validateObject(pattern, "");
}

export function matchesEventPattern(pattern: unknown, event: Record<string, unknown>): boolean {
  // Validate up front: matching short-circuits and would otherwise skip a bad branch.
  validateEventPattern(pattern);
  return matchObject(pattern as PlainObject, event);
}

function validateObject(object: PlainObject, path: string): void {
  const keys = Object.keys(object);
  if (keys.length === 0) throw new EventPatternError(`${at(path)}Empty objects are not allowed`);
  for (const key of keys) {
    const fieldPath = path === "" ? key : `${path}.${key}`;
    if (key === "$or") throw new EventPatternError(`${at(path)}"$or" is not supported by the local matcher`);
    const value = object[key];
    if (Array.isArray(value)) validateMatchers(value, fieldPath);
    else if (isPlainObject(value)) validateObject(value, fieldPath);
    else throw new EventPatternError(`"${fieldPath}" must be an object or an array`);
  }
}

function validateMatchers(matchers: unknown[], path: string): void {
  if (matchers.length === 0) throw new EventPatternError(`${at(path)}Empty arrays are not allowed`);
  for (const matcher of matchers) {
    if (isLiteral(matcher)) continue;
    if (isPlainObject(matcher)) validateOperator(matcher, path);
    else throw new EventPatternError(`${at(path)}Match value must be String, number, true, false, or null`);
  }
}

function validateOperator(matcher: PlainObject, path: string): void {
  const [name, ...extra] = Object.keys(matcher);
  if (name === undefined) throw new EventPatternError(`${at(path)}Match expression name not found`);
  if (extra.length > 0) throw new EventPatternError(`${at(path)}Only one key allowed in match expression`);
  const value = matcher[name];
  switch (name) {
    case "prefix":
    case "suffix":
      if (typeof value === "string") return;
      if (isPlainObject(value)) {
        const keys = Object.keys(value);
        if (keys.length === 1 && keys[0] === "equals-ignore-case") {
          if (typeof value["equals-ignore-case"] === "string") return;
          throw new EventPatternError(`${at(path)}equals-ignore-case match pattern must be a string`);
        }
        throw new EventPatternError(`${at(path)}Unsupported ${name} pattern: ${keys.join(", ")}`);
      }
      throw new EventPatternError(`${at(path)}${name} match pattern must be a string`);
    case "equals-ignore-case":
      if (typeof value !== "string") {
        throw new EventPatternError(`${at(path)}equals-ignore-case match pattern must be a string`);
      }
      return;
    case "anything-but":
      anythingButValues(value, path);
      return;
    case "exists":
      if (typeof value !== "boolean") {
        throw new EventPatternError(`${at(path)}exists match pattern must be either true or false.`);
      }
      return;
    case "numeric":
      numericRange(value, path);
      return;
    case "wildcard":
    case "cidr":
    case "exact":
      throw new EventPatternError(`${at(path)}"${name}" is not supported by the local matcher`);
    default:
      throw new EventPatternError(`${at(path)}Unrecognized match type ${name}`);
  }
}

function anythingButValues(value: unknown, path: string): ReadonlyArray<string | number> {
  if (typeof value === "string") return [value];
  if (typeof value === "number") return [checkNumber(value, path)];
  if (Array.isArray(value)) {
    const allStrings = value.length > 0 && value.every((v) => typeof v === "string");
    const allNumbers = value.length > 0 && value.every((v) => typeof v === "number");
    if (allNumbers) for (const v of value as number[]) checkNumber(v, path);
    if (allStrings || allNumbers) return value as Array<string | number>;
    throw new EventPatternError(
      `${at(path)}Inside anything but list, either all values are number or string, mixed type is not supported`,
    );
  }
  if (isPlainObject(value)) {
    // AWS also allows anything-but with prefix/suffix/equals-ignore-case/wildcard; not implemented here.
    throw new EventPatternError(`${at(path)}"anything-but" with an operator is not supported by the local matcher`);
  }
  throw new EventPatternError(`${at(path)}Value of anything-but must be an array or single string/number value.`);
}

function numericRange(value: unknown, path: string): NumericRange {
  if (!Array.isArray(value)) throw new EventPatternError(`${at(path)}Value of numeric must be an array.`);
  const [operator, operand, topOperator, topOperand, ...rest] = value as unknown[];
  const bad = (message: string) => new EventPatternError(`${at(path)}${message}`);
  if (typeof operator !== "string") throw bad(`Invalid member in numeric match: ${JSON.stringify(operator)}`);
  if (typeof operand !== "number") throw bad(`Value of ${operator} must be numeric`);
  const n = checkNumber(operand, path);
  const single = value.length === 2;
  let range: NumericRange;
  switch (operator) {
    case "=":
      if (!single) throw bad("Too many elements in numeric expression");
      return { bottom: n, openBottom: false, top: n, openTop: false };
    case "<":
    case "<=":
      if (!single) throw bad("Too many elements in numeric expression");
      range = { bottom: -NUMERIC_LIMIT, openBottom: false, top: n, openTop: operator === "<" };
      break;
    case ">":
    case ">=":
      if (single) {
        range = { bottom: n, openBottom: operator === ">", top: NUMERIC_LIMIT, openTop: false };
        break;
      }
      if (topOperator !== "<" && topOperator !== "<=") {
        throw bad(`Bad numeric range operator: ${JSON.stringify(topOperator)}`);
      }
      if (typeof topOperand !== "number") throw bad(`Value of ${topOperator} must be numeric`);
      if (rest.length > 0) throw bad("Too many terms in numeric range expression");
      range = { bottom: n, openBottom: operator === ">", top: checkNumber(topOperand, path), openTop: topOperator === "<" };
      break;
    default:
      throw bad(`Unrecognized numeric range operator: ${operator}`);
  }
  if (range.bottom >= range.top) throw bad("Bottom must be less than top");
  return range;
}

function checkNumber(value: number, path: string): number {
  if (!Number.isFinite(value) || Math.abs(value) > NUMERIC_LIMIT) {
    throw new EventPatternError(`${at(path)}Value must be between -${NUMERIC_LIMIT} and ${NUMERIC_LIMIT}, inclusive`);
  }
  // Within the range a double keeps 6 decimals exactly, so rounding to 6 changes only longer fractions.
  if (Number(value.toFixed(6)) !== value) {
    throw new EventPatternError(`${at(path)}Only values up to 6 decimals are supported`);
  }
  return value;
}

function matchObject(pattern: PlainObject, value: unknown): boolean {
  // Nested patterns see arrays of objects element by element, and a missing or non-object value as an
  // object without fields (so only `exists: false` can match below it), like event-ruler's flattened paths.
  return objectCandidates(value).some((object) =>
    Object.entries(pattern).every(([key, sub]) => {
      const field = Object.hasOwn(object, key) ? object[key] : undefined;
      return Array.isArray(sub) ? matchField(sub, field) : matchObject(sub as PlainObject, field);
    }),
  );
}

function objectCandidates(value: unknown): PlainObject[] {
  if (isPlainObject(value)) return [value];
  if (Array.isArray(value)) {
    const objects = value.flat(Infinity).filter(isPlainObject);
    if (objects.length > 0) return objects;
  }
  return [{}];
}

function matchField(matchers: unknown[], value: unknown): boolean {
  // Only leaf values count; an array contributes each of its (possibly nested) primitive elements.
  const values = leafValues(value);
  return matchers.some((matcher) => {
    if (isPlainObject(matcher) && "exists" in matcher) return matcher.exists === values.length > 0;
    return values.some((v) => matchValue(matcher, v));
  });
}

function leafValues(value: unknown): Array<string | number | boolean | null> {
  if (isLiteral(value)) return [value];
  if (Array.isArray(value)) return value.flat(Infinity).filter(isLiteral);
  return [];
}

function matchValue(matcher: unknown, value: string | number | boolean | null): boolean {
  if (!isPlainObject(matcher)) return matcher === value; // literal: strings never equal numbers
  const [name] = Object.keys(matcher);
  const operand = matcher[name as string];
  switch (name) {
    case "prefix":
      if (typeof value !== "string") return false;
      return typeof operand === "string"
        ? value.startsWith(operand)
        : foldCase(value).startsWith(foldCase((operand as PlainObject)["equals-ignore-case"] as string));
    case "suffix":
      if (typeof value !== "string") return false;
      return typeof operand === "string"
        ? value.endsWith(operand)
        : foldCase(value).endsWith(foldCase((operand as PlainObject)["equals-ignore-case"] as string));
    case "equals-ignore-case":
      return typeof value === "string" && foldCase(value) === foldCase(operand as string);
    case "anything-but":
      return !anythingButValues(operand, "").includes(value as string | number);
    case "numeric": {
      if (typeof value !== "number" || Math.abs(value) > NUMERIC_LIMIT) return false;
      const r = numericRange(operand, "");
      return (r.openBottom ? value > r.bottom : value >= r.bottom) && (r.openTop ? value < r.top : value <= r.top);
    }
    default:
      throw new EventPatternError(`Unrecognized match type ${String(name)}`); // unreachable after validation
  }
}

function foldCase(text: string): string {
  return text.toUpperCase().toLowerCase();
}

function isLiteral(value: unknown): value is string | number | boolean | null {
  return value === null || typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value));
}

function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function at(path: string): string {
  return path === "" ? "" : `${path}: `;
}
