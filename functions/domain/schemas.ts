import { z } from "zod";
import { ID_PATTERN } from "./ids.ts";

/** Input rules from API.md, shared by the HTTP routes and the event handlers. */
export const idSchema = z.string().regex(ID_PATTERN, "must be 1–128 letters, digits or . _ : @ | - (not . or .. alone)");

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
  .string()
  // A lone surrogate (e.g. from a `"\ud800"` JSON escape) is not text: strict JSON parsers (jq) reject it.
  .refine((value) => value.isWellFormed(), { message: "must be well-formed Unicode (no lone surrogates)", abort: true })
  // ECMAScript white space and line terminators (U+FEFF included); a C1 control such as U+0085 at either end
  // is not white space here, so it stays and is refused below rather than silently dropped.
  .transform((value) => value.trim())
  .refine((value) => codePoints(value) >= 1 && codePoints(value) <= 100, {
    message: "must be 1–100 characters after trimming",
    abort: true,
  })
  .refine((value) => !CONTROL_CHARACTERS.test(value), { message: "must not contain control characters", abort: true })
  .refine((value) => !BIDI_CONTROLS.test(value), {
    message: "must not contain bidirectional override or isolate controls (U+202A–U+202E, U+2066–U+2069)",
    abort: true,
  })
  .refine((value) => VISIBLE_CHARACTER.test(value), {
    message: "must contain at least one visible character (not only white space, format or invisible characters)",
    abort: true,
  });

const accessEntry = z
  .string()
  .refine((value) => codePoints(value) >= 1 && codePoints(value) <= 100, "entries must be 1–100 characters")
  .refine((value) => !CONTROL_CHARACTERS.test(value), "entries must not contain control characters");

/** Permissions, groups and sites: 0–100 strings of 1–100 characters. */
export const accessListSchema = z.array(accessEntry).max(100, "at most 100 entries");

/** An ISO-8601 instant with a zone, as the platform's events carry it. */
export const instantSchema = z.iso.datetime({ offset: true });

/** Readable, field-named messages that never echo the input (it may hold a password). */
export function describeIssues(error: z.ZodError): string {
  const parts = error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join(".") : "body";
    if (issue.code === "unrecognized_keys") return `unknown field(s): ${issue.keys.join(", ")}`;
    if (issue.code === "invalid_type") return `${field}: expected ${issue.expected}`;
    return `${field}: ${issue.message}`;
  });
  return `Invalid request: ${parts.join("; ")}.`;
}
