/**
 * The cursor key is configuration the list functions check at cold start (functions/platform/config.ts):
 * only they need it, so the base configuration every function reads takes it as optional, and
 * `requireCursorKey()` is what the list handlers call.
 */
import { afterEach, describe, expect, test } from "vitest";
import { readBaseConfig, requireCursorKey } from "../../functions/platform/config.ts";

const saved = { ...process.env };
afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

const base = { TABLE_NAME: "tokens", ACTIVITY_TABLE_NAME: "tokens-activity" };
const setEnvironment = (values: Record<string, string>) => {
  delete process.env.CURSOR_KEY;
  Object.assign(process.env, base, values);
};

describe("CURSOR_KEY", () => {
  test("functions that do not list need none", () => {
    setEnvironment({});
    expect(readBaseConfig().CURSOR_KEY).toBeUndefined();
  });

  test("the list functions refuse to start without it, naming the setting and never a value", () => {
    setEnvironment({});
    expect(() => requireCursorKey()).toThrow("Invalid cursor configuration in the environment: CURSOR_KEY");
  });

  test("at least 32 characters", () => {
    setEnvironment({ CURSOR_KEY: "too-short-secret" });
    expect(() => requireCursorKey()).toThrow(/CURSOR_KEY/);
    expect(() => requireCursorKey()).not.toThrow(/too-short-secret/);
    setEnvironment({ CURSOR_KEY: "k".repeat(32) });
    expect(requireCursorKey()).toBe("k".repeat(32));
  });
});
