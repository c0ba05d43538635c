import { describe, expect, test } from "vitest";
import { accessListSchema, describeIssues, idSchema, nameSchema } from "../../functions/domain/schemas.ts";
import { z } from "zod";

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
