import { describe, expect, test } from "vitest";
import * as z from "zod/mini";
import { accessListSchema, describeIssues, englishMessage, idSchema, nameSchema, parseInput } from "../../functions/domain/schemas.ts";
import { userUpsertedSchema } from "../../functions/domain/memberships.ts";

describe("names", () => {
  test("are trimmed and otherwise kept exactly, including non-ASCII", () => {
    expect(nameSchema.parse("  Power BI export \t")).toBe("Power BI export");
    expect(nameSchema.parse("Zoë 📊  export")).toBe("Zoë 📊  export");
  });

  test("count code points, not UTF-16 units: 100 emoji fit, 101 do not", () => {
    expect(nameSchema.safeParse("📊".repeat(100)).success).toBe(true);
    expect(nameSchema.safeParse("📊".repeat(101)).success).toBe(false);
  });

  test("must not be empty after trimming nor hold control characters", () => {
    for (const bad of ["", "   ", "a\u0007b", "line\nbreak", "tab\tinside", "\u007f"]) {
      expect(nameSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  const problem = (name: string) => {
    const result = nameSchema.safeParse(name);
    return result.success ? undefined : describeIssues(result.error);
  };

  test("must be well-formed Unicode: a lone surrogate, high or low, anywhere, is refused with one clear reason", () => {
    for (const bad of ["\ud800", "\udfff", "Power BI \ud83d", "\ude00 export", "a\udc00\ud800b", `${"x".repeat(99)}\ud800`]) {
      expect(problem(bad), JSON.stringify(bad)).toBe("Invalid request: body: must be well-formed Unicode (no lone surrogates).");
    }
    // A JSON `\ud800` escape parses to exactly such a string.
    expect(problem(JSON.parse('"report \\ud800"'))).toMatch(/well-formed Unicode/);
    // A proper surrogate pair is one code point, and fine.
    expect(nameSchema.parse("\ud83d\udcca export")).toBe("📊 export");
  });

  test("must not hold bidirectional override or isolate controls (U+202A–U+202E, U+2066–U+2069)", () => {
    for (const code of [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]) {
      const name = `invoice${String.fromCodePoint(code)}fdp.exe`;
      expect(problem(name), code.toString(16)).toMatch(/bidirectional override or isolate controls/);
    }
    // Marks that only hint direction (LRM, RLM, ALM) and joiners are not overrides: kept as given.
    for (const fine of ["abc\u200e", "\u200fשלום", "\u061cعربي", "👩\u200d💻 dev"]) {
      expect(nameSchema.parse(fine)).toBe(fine);
    }
  });

  test("need a visible character: only white space, format (Cf) or default-ignorable characters are refused", () => {
    const invisible = [
      "\u200b", // zero width space (Cf)
      "\u00ad", // soft hyphen (Cf)
      "\u2060\u2060", // word joiner (Cf)
      "\u200b \u200c\u200d", // ZWSP, space, ZWNJ, ZWJ
      "\u3164", // Hangul filler: a letter (Lo), but default-ignorable
      "\u115f\u1160", // Hangul choseong/jungseong fillers
      "\u034f", // combining grapheme joiner (Mn, default-ignorable)
      "\ufe0f", // variation selector
      "\u{e0041}\u{e0042}", // tag characters
      "\u180e", // Mongolian vowel separator (Cf)
      " \u200b\u00a0",
    ];
    for (const name of invisible) {
      expect(problem(name), JSON.stringify(name)).toMatch(/at least one visible character/);
    }
    // Trimming (ECMAScript white space, which includes U+FEFF) can leave nothing at all: the length rule says so.
    for (const name of ["\ufeff", " \ufeff\u3000", "\u2028\u2029"]) {
      expect(problem(name), JSON.stringify(name)).toMatch(/1–100 characters/);
    }
    // One visible character among invisible ones is enough, and the name is stored as given (only trimmed).
    expect(nameSchema.parse(" \u200bx\u200b ")).toBe("\u200bx\u200b");
    expect(nameSchema.parse("\u0301")).toBe("\u0301"); // a combining mark is not invisible by API.md's definition
  });

  test("a C1 control at either end is refused, not trimmed away", () => {
    expect(problem("Power BI\u0085")).toMatch(/control characters/);
    expect(problem("\u009bPower BI")).toMatch(/control characters/);
  });

  test("display names in User Upserted events follow the same rules (they show in the activity log and admin views)", () => {
    const event = (name: string) => ({
      orgId: "acme",
      userId: "ada",
      name,
      permissions: [],
      groups: [],
      sites: [],
      occurredAt: "2026-01-01T00:00:00Z",
    });
    expect(userUpsertedSchema.parse(event("  Ada Lovelace ")).name).toBe("Ada Lovelace");
    // The event's detail arrives as JSON text: a `\ud800` escape in it becomes a lone surrogate.
    const detail = JSON.parse(
      '{"orgId":"acme","userId":"ada","name":"Ada \\ud800","permissions":[],"groups":[],"sites":[],"occurredAt":"2026-01-01T00:00:00Z"}',
    );
    for (const bad of [detail, event("Ada\u202Eecalevol"), event("\u2066Ada\u2069"), event("\u200b"), event("\u00ad\ufeff")]) {
      expect(userUpsertedSchema.safeParse(bad).success, JSON.stringify(bad.name)).toBe(false);
    }
  });
});

describe("access lists", () => {
  test("take 0–100 strings of 1–100 characters", () => {
    expect(accessListSchema.safeParse([]).success).toBe(true);
    expect(accessListSchema.safeParse(Array(100).fill("p")).success).toBe(true);
    expect(accessListSchema.safeParse(Array(101).fill("p")).success).toBe(false);
    expect(accessListSchema.safeParse([""]).success).toBe(false);
    expect(accessListSchema.safeParse(["x".repeat(101)]).success).toBe(false);
    expect(accessListSchema.safeParse([1]).success).toBe(false);
  });
});

describe("ids", () => {
  test("cannot carry a key separator", () => {
    expect(idSchema.safeParse("acme-corp_1").success).toBe(true);
    expect(idSchema.safeParse("acme#MEMBER#x").success).toBe(false);
    expect(idSchema.safeParse("").success).toBe(false);
  });

  test("take the subjects of common identity providers, never a path or white space (API.md)", () => {
    for (const good of [
      "auth0|5f3c2a1b",
      "google-oauth2|1234",
      "_a1B2c3",
      "-x9",
      "a.b",
      "...",
      "a".repeat(128),
      "user@example.com",
      "us-east-1:abc",
    ]) {
      expect(idSchema.safeParse(good).success, good).toBe(true);
    }
    for (const bad of [".", "..", "a/b", "../x", "a b", "a\tb", "a#b", "a".repeat(129), "ü", "a%2Fb"]) {
      expect(idSchema.safeParse(bad).success, bad).toBe(false);
    }
  });
});

describe("error descriptions", () => {
  test("name the fields but never echo the input", () => {
    const schema = z.strictObject({ name: nameSchema, password: z.string() });
    const result = schema.safeParse({ name: 42, password: "hunter2-secret", extra: "sneaky" });
    expect(result.success).toBe(false);
    const message = describeIssues(result.error!);
    expect(message).toContain("name");
    expect(message).toContain("extra");
    expect(message).not.toContain("hunter2-secret");
    expect(message).not.toContain("sneaky");
  });
});

describe("zod's own checks keep zod's English wording (zod/mini loads no locale)", () => {
  test("no locale is loaded here (as in a Lambda bundle), so these tests see what a function answers", () => {
    // Classic zod sets its English locale globally as soon as it is used (the local server does): then even a
    // function's schema would read as English without `englishMessage`. This file must not load it.
    expect(z.config().localeError).toBeUndefined();
  });

  test("the functions' inputs answer as they did with classic zod", () => {
    const answer = (schema: z.ZodMiniType, value: unknown) => {
      const result = parseInput(schema, value);
      return result.success ? "valid" : describeIssues(result.error);
    };
    const upserted = {
      orgId: "acme",
      userId: "ada",
      name: "Ada",
      permissions: [],
      groups: [],
      sites: [],
      occurredAt: "2026-01-01T00:00:00Z",
    };
    expect(answer(userUpsertedSchema, { ...upserted, occurredAt: "2026-01-01" })).toBe(
      "Invalid request: occurredAt: Invalid ISO datetime.",
    );
    expect(answer(userUpsertedSchema, { ...upserted, sites: Array(101).fill("s") })).toBe("Invalid request: sites: at most 100 entries.");
    expect(answer(z.strictObject({ password: z.optional(z.string().check(z.maxLength(1024))) }), { password: "x".repeat(1025) })).toBe(
      "Invalid request: password: Too big: expected string to have <=1024 characters.",
    );
    // A length check also measures an array given for a string (after the type error), in the array's words.
    expect(answer(z.object({ operator: z.string().check(z.trim(), z.minLength(1)) }), { operator: [] })).toBe(
      "Invalid request: operator: expected string; operator: Too small: expected array to have >=1 items.",
    );
    const maxMessages = z.object({ maxMessages: z.int().check(z.minimum(1), z.maximum(100)) });
    expect(answer(maxMessages, { maxMessages: 0 })).toBe("Invalid request: maxMessages: Too small: expected number to be >=1.");
    expect(answer(maxMessages, { maxMessages: 1.5 })).toBe("Invalid request: maxMessages: expected int.");
    expect(answer(maxMessages, { maxMessages: 1e300 })).toBe(
      "Invalid request: maxMessages: Too big: expected int to be <=9007199254740991; maxMessages: Too big: expected number to be <=100.",
    );
    expect(answer(z.object({ handler: z.enum(["none"]) }), {})).toBe('Invalid request: handler: Invalid input: expected "none".');
    expect(answer(z.object({ handler: z.enum(["a", "b"]) }), { handler: "c" })).toBe(
      'Invalid request: handler: Invalid option: expected one of "a"|"b".',
    );
  });

  test("englishMessage words each issue it knows exactly as zod's English locale does", () => {
    const en = z.locales.en().localeError;
    const issues: Record<string, unknown>[] = [];
    for (const expected of ["string", "number", "int", "boolean", "array", "object", "nan"]) {
      for (const input of [
        undefined,
        null,
        "s",
        1,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        1n,
        true,
        [],
        {},
        new Date(0),
      ]) {
        issues.push({ code: "invalid_type", expected, input });
      }
    }
    for (const values of [["none"], ["a", "b"], [1], [1, "x", true, null, undefined, 2n]])
      issues.push({ code: "invalid_value", values, input: "q" });
    for (const code of ["too_big", "too_small"]) {
      for (const origin of ["string", "array", "set", "map", "file", "number", "int", "bigint", "date", "unknown"]) {
        for (const bound of [0, 1, 100, 9007199254740991, 10n]) {
          for (const flags of [{ inclusive: true }, { inclusive: false }, {}, { exact: true, inclusive: true }]) {
            issues.push({ code, origin, ...(code === "too_big" ? { maximum: bound } : { minimum: bound }), ...flags, input: "q" });
          }
        }
      }
    }
    issues.push(
      { code: "invalid_format", format: "datetime", input: "q" },
      { code: "invalid_format", format: "regex", pattern: "/^a$/u", input: "q" },
    );
    for (const issue of issues) {
      const raw = { path: [], ...issue } as unknown as z.core.$ZodRawIssue;
      expect(
        englishMessage(raw),
        JSON.stringify(issue, (_k, v) => (typeof v === "bigint" ? `${v}n` : v)),
      ).toBe(en(raw));
    }
  });
});
