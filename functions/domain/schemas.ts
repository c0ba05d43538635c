import * as z from "zod/mini";
import { ID_PATTERN } from "./ids.ts";

/** Input rules from API.md, shared by the HTTP routes and the event handlers. */
export const idSchema = z.string().check(z.regex(ID_PATTERN, "must be 1–128 letters, digits or . _ : @ | - (not . or .. alone)"));

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /\p{Cc}/u;
/** Bidirectional embedding/override (U+202A–U+202E) and isolate (U+2066–U+2069) controls: they can make a
 * name display as something else (the "Trojan Source" trick), so API.md refuses them. */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/u;
/** API.md's "visible": not white space, not a format character (Cf), not default-ignorable. */
const VISIBLE_CHARACTER = /[^\p{White_Space}\p{Cf}\p{Default_Ignorable_Code_Point}]/u;
const codePoints = (value: string) => [...value].length;

/**
 * API.md "Conventions": 1–100 code points after trimming, well-formed Unicode, no control characters, no
 * bidirectional override or isolate controls, at least one visible character; stored trimmed, otherwise
 * exactly as given. Each check aborts, so a name gets one clear reason.
 */
export const nameSchema = z
  .pipe(
    // A lone surrogate (e.g. from a `"\ud800"` JSON escape) is not text: strict JSON parsers (jq) reject it.
    z.string().check(z.refine((value) => value.isWellFormed(), { error: "must be well-formed Unicode (no lone surrogates)", abort: true })),
    // ECMAScript white space and line terminators (U+FEFF included); a C1 control such as U+0085 at either end
    // is not white space here, so it stays and is refused below rather than silently dropped.
    z.transform((value: string) => value.trim()),
  )
  .check(
    z.refine((value) => codePoints(value) >= 1 && codePoints(value) <= 100, {
      error: "must be 1–100 characters after trimming",
      abort: true,
    }),
    z.refine((value) => !CONTROL_CHARACTERS.test(value), { error: "must not contain control characters", abort: true }),
    z.refine((value) => !BIDI_CONTROLS.test(value), {
      error: "must not contain bidirectional override or isolate controls (U+202A–U+202E, U+2066–U+2069)",
      abort: true,
    }),
    z.refine((value) => VISIBLE_CHARACTER.test(value), {
      error: "must contain at least one visible character (not only white space, format or invisible characters)",
      abort: true,
    }),
  );

const accessEntry = z.string().check(
  z.refine((value) => codePoints(value) >= 1 && codePoints(value) <= 100, "entries must be 1–100 characters"),
  z.refine((value) => !CONTROL_CHARACTERS.test(value), "entries must not contain control characters"),
);

/** Permissions, groups and sites: 0–100 strings of 1–100 characters. */
export const accessListSchema = z.array(accessEntry).check(z.maxLength(100, "at most 100 entries"));

/** An ISO-8601 instant with a zone, as the platform's events carry it. */
export const instantSchema = z.iso.datetime({ offset: true });

const SIZE_UNITS: Record<string, string> = { string: "characters", file: "bytes", array: "items", set: "items", map: "entries" };
const typeName = (type: string, input?: unknown) =>
  type === "number" && typeof input === "number" && !Number.isFinite(input) ? String(input) : type === "nan" ? "NaN" : type;

/**
 * zod/mini loads no locale (classic zod brings them all: ~420 KB more in each bundle), so a built-in check
 * without a message of its own (a length, a bound, an enum, an ISO instant) would say only "Invalid input". This
 * map gives those issues the words of zod's English locale, which clients have always read; the messages written
 * here (refinements, the id pattern, "at most 100 entries") are their own and win. An issue it does not know
 * gets zod's default. test/unit/schemas.test.ts holds it to the English locale's wording. (Not
 * `z.locales.en().localeError`: the `locales` namespace puts every locale in the bundle, ~250 KB.)
 */
export const englishMessage: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case "invalid_type":
      return `Invalid input: expected ${typeName(issue.expected)}, received ${typeName(z.util.parsedType(issue.input), issue.input)}`;
    case "invalid_value":
      return issue.values.length === 1
        ? `Invalid input: expected ${z.util.stringifyPrimitive(issue.values[0])}`
        : `Invalid option: expected one of ${z.util.joinValues(issue.values, "|")}`;
    case "too_big": {
      const bound = `${issue.exact ? "exactly " : issue.inclusive ? "<=" : "<"}${issue.maximum}`;
      const unit = SIZE_UNITS[issue.origin];
      return unit
        ? `Too big: expected ${issue.origin} to have ${bound} ${unit}`
        : `Too big: expected ${issue.origin ?? "value"} to be ${bound}`;
    }
    case "too_small": {
      const bound = `${issue.exact ? "exactly " : issue.inclusive ? ">=" : ">"}${issue.minimum}`;
      const unit = SIZE_UNITS[issue.origin];
      return unit ? `Too small: expected ${issue.origin} to have ${bound} ${unit}` : `Too small: expected ${issue.origin} to be ${bound}`;
    }
    case "invalid_format":
      if (issue.format === "regex") return `Invalid string: must match pattern ${issue.pattern}`;
      return issue.format === "datetime" ? "Invalid ISO datetime" : undefined;
    default:
      return undefined;
  }
};

/** How every function checks its input (body, event detail, operator input): with `englishMessage`'s words. */
export function parseInput<TSchema extends z.ZodMiniType>(schema: TSchema, value: unknown) {
  return schema.safeParse(value, { error: englishMessage });
}

/** Readable, field-named messages that never echo the input (it may hold a password). */
export function describeIssues(error: z.core.$ZodError): string {
  const parts = error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join(".") : "body";
    if (issue.code === "unrecognized_keys") return `unknown field(s): ${issue.keys.join(", ")}`;
    if (issue.code === "invalid_type") return `${field}: expected ${issue.expected}`;
    return `${field}: ${issue.message}`;
  });
  return `Invalid request: ${parts.join("; ")}.`;
}
