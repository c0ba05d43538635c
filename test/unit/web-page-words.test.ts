/**
 * The page's words without a browser: both catalogs complete and the UI.md names exact, plurals and relative
 * times through Intl per language, the API's errors as sentences, the return path after sign-in (never
 * another site), and the Content-Security-Policy's strictness.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { contentSecurityPolicy } from "../../web/site-config.ts";
import { ApiError, type Token } from "../../web/src/api/client.ts";
import { errorWords, leastRecentlyUsed } from "../../web/src/api/error-words.ts";
import { safeReturnPath } from "../../web/src/auth/return-path.ts";
import { formatterFor } from "../../web/src/i18n/format.ts";
import { catalogs, languageFromBrowser } from "../../web/src/i18n/messages.ts";

const DAY = 86_400_000;
const now = new Date("2026-11-30T10:00:00Z");

describe("the catalogs", () => {
  test("hold UI.md's names exactly, in English and German", () => {
    const { en, de } = catalogs;
    const pairs: Array<[string, string, string, string]> = [
      [en.myProfile, "My profile", de.myProfile, "Mein Profil"],
      [en.settings, "Settings", de.settings, "Einstellungen"],
      [en.apiTokens, "API tokens", de.apiTokens, "API-Token"],
      [en.organization, "Organization", de.organization, "Organisation"],
      [en.generateApiToken, "Generate API token", de.generateApiToken, "API-Token generieren"],
      [en.name, "Name", de.name, "Name"],
      [en.password, "Password", de.password, "Passwort"],
      [en.generate, "Generate", de.generate, "Generieren"],
      [en.cancel, "Cancel", de.cancel, "Abbrechen"],
      [en.copyToken, "Copy token", de.copyToken, "Token kopieren"],
      [en.copied, "Copied", de.copied, "Kopiert"],
      [en.done, "Done", de.done, "Fertig"],
      [en.never, "Never", de.never, "Nie"],
      [en.revoke, "Revoke", de.revoke, "Widerrufen"],
      [en.revokeNamed("CI"), "Revoke CI", de.revokeNamed("CI"), "CI widerrufen"],
    ];
    for (const [english, expectedEnglish, german, expectedGerman] of pairs) {
      expect(english).toBe(expectedEnglish);
      expect(german).toBe(expectedGerman);
    }
  });

  test("have the same keys, none empty", () => {
    expect(Object.keys(catalogs.de).sort()).toEqual(Object.keys(catalogs.en).sort());
    for (const catalog of Object.values(catalogs)) {
      for (const [key, value] of Object.entries(catalog)) {
        // Functions take names, counts or lists; give each kind it may take.
        const text = typeof value === "function" ? (value as (...args: unknown[]) => string)(2, ["x"]) : JSON.stringify(value);
        expect(text.trim().length, key).toBeGreaterThan(0);
      }
    }
  });

  test("follow the browser's language: de* is German, anything else English", () => {
    expect(languageFromBrowser(["de-CH", "en"])).toBe("de");
    expect(languageFromBrowser(["DE"])).toBe("de");
    expect(languageFromBrowser(["en-GB", "de"])).toBe("en");
    expect(languageFromBrowser(["fr"])).toBe("en");
    expect(languageFromBrowser([])).toBe("en");
  });
});

describe("Intl formats per language", () => {
  const en = formatterFor("en");
  const de = formatterFor("de");

  test('expiry reads "in N days" (UI.md), never "tomorrow", rounded so a new token shows 30', () => {
    expect(en.inFuture(new Date(now.getTime() + 30 * DAY + 500), now)).toBe("in 30 days");
    expect(de.inFuture(new Date(now.getTime() + 30 * DAY - 500), now)).toBe("in 30 Tagen");
    expect(en.inFuture(new Date(now.getTime() + DAY), now)).toBe("in 1 day");
    expect(de.inFuture(new Date(now.getTime() + DAY), now)).toBe("in 1 Tag");
    expect(en.inFuture(new Date(now.getTime() + 5 * 3_600_000), now)).toBe("in 5 hours");
    expect(de.inFuture(new Date(now.getTime() + 15 * 60_000), now)).toBe("in 15 Minuten");
    expect(en.inFuture(new Date(now.getTime() + 1000), now)).toBe("in 1 minute");
  });

  test("the past reads naturally", () => {
    expect(en.ago(new Date(now.getTime() - DAY), now)).toBe("yesterday");
    expect(de.ago(new Date(now.getTime() - 3 * DAY), now)).toBe("vor 3 Tagen");
    expect(en.ago(now, now)).toBe("now");
    expect(de.ago(now, now)).toBe("jetzt");
  });

  test("plurals per language", () => {
    expect(en.plural(1, catalogs.en.tokensInUse)).toBe("You have 1 active token.");
    expect(en.plural(0, catalogs.en.tokensInUse)).toBe("You have 0 active tokens.");
    expect(de.plural(1, catalogs.de.tokensInUse)).toBe("Sie haben 1 aktives Token.");
    expect(de.plural(10, catalogs.de.tokensInUse)).toBe("Sie haben 10 aktive Token.");
  });

  test("dates per language", () => {
    expect(de.date("2026-11-30T10:00:00Z")).toBe("30.11.2026");
    expect(en.date("2026-11-30T10:00:00Z")).toBe("Nov 30, 2026");
  });
});

describe("errors in words", () => {
  const context = { t: catalogs.en, format: formatterFor("en"), now };
  const token = (name: string, createdAt: string, lastUsedAt: string | null): Token => ({
    id: name,
    name,
    kind: "user",
    ownerId: "ada",
    createdAt,
    lastUsedAt,
    expiresAt: "2026-12-30T10:00:00Z",
    hint: "abcd",
  });

  test("the limit names the least recently used: never used (oldest first), then longest unused", () => {
    const tokens = [
      token("used yesterday", "2026-11-01T00:00:00Z", "2026-11-29T10:00:00Z"),
      token("never, newer", "2026-11-20T00:00:00Z", null),
      token("used long ago", "2026-10-01T00:00:00Z", "2026-11-02T00:00:00Z"),
      token("never, older", "2026-11-10T00:00:00Z", null),
    ];
    expect(leastRecentlyUsed(tokens, 3)).toEqual(["never, older", "never, newer", "used long ago"]);
    expect(errorWords(new ApiError(409, "token_limit_reached", "x"), { ...context, tokens })).toContain(
      '"never, older", "never, newer", "used long ago"',
    );
  });

  test("the lock says when to retry, from Retry-After", () => {
    const words = errorWords(new ApiError(429, "too_many_attempts", "x", "r", 900), context);
    expect(words).toMatch(/^Too many wrong passwords\. Try again in 15 minutes \(at .+\)\.$/);
  });

  test("a failure names the request id and never the server's own message", () => {
    const words = errorWords(new ApiError(500, "internal_error", "internal detail", "req-1"), context);
    expect(words).toContain("req-1");
    expect(words).not.toContain("internal detail");
    expect(errorWords(new ApiError(0, "network", "x"), context)).toBe(catalogs.en.errorNetwork);
  });
});

describe("the return path after sign-in", () => {
  test("keeps the page and its query", () => {
    expect(safeReturnPath("/profile/settings/api-tokens")).toBe("/profile/settings/api-tokens");
    expect(safeReturnPath("/integrations/custom?tab=activity")).toBe("/integrations/custom?tab=activity");
  });

  test("is never another site, a scheme or the callback (an open redirect), whatever it is given", () => {
    for (const hostile of [
      "//evil.example/x",
      "/\\evil.example",
      "https://evil.example/",
      "javascript:alert(1)",
      "",
      "/auth/callback?code=x",
    ]) {
      expect(safeReturnPath(hostile), hostile).toBe("/");
    }
    fc.assert(
      fc.property(fc.string(), (value) => {
        const path = safeReturnPath(value);
        expect(new URL(path, "https://site.test").origin).toBe("https://site.test");
        expect(path.startsWith("/")).toBe(true);
        expect(path.startsWith("//")).toBe(false);
      }),
    );
  });
});

describe("the Content-Security-Policy", () => {
  test("allows scripts and styles from the site only, connections to the identity provider, never framing", () => {
    const policy = contentSecurityPolicy({ identityProviderOrigins: ["https://login.example.com"] });
    const directives = new Map(policy.split("; ").map((part) => [part.split(" ")[0], part.split(" ").slice(1)]));
    expect(directives.get("default-src")).toEqual(["'none'"]);
    expect(directives.get("script-src")).toEqual(["'self'"]);
    expect(directives.get("style-src")).toEqual(["'self'"]);
    expect(directives.get("connect-src")).toEqual(["'self'", "https://login.example.com"]);
    expect(directives.get("frame-ancestors")).toEqual(["'none'"]);
    expect(policy).not.toMatch(/unsafe-|\*/);
  });
});
