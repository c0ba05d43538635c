import { z } from "zod";
import { ID_PATTERN } from "./ids.ts";

/** Input rules from API.md, shared by the HTTP routes and the event handlers. */
export const idSchema = z.string().regex(ID_PATTERN, "must be 1–128 letters, digits or . _ : @ -");

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /\p{Cc}/u;
const codePoints = (value: string) => [...value].length;

/** 1–100 code points after trimming, no control characters; stored trimmed, otherwise exactly as given. */
export const nameSchema = z
  .string()
  .transform((value) => value.trim())
  .refine((value) => codePoints(value) >= 1 && codePoints(value) <= 100, "must be 1–100 characters after trimming")
  .refine((value) => !CONTROL_CHARACTERS.test(value), "must not contain control characters");

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
