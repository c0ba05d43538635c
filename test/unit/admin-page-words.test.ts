/**
 * The admin pages' words without a browser: UI.md's names exact in English and German, each activity action and
 * System reason in words (and a sentence for actions this page does not know yet), the admin errors, and the
 * permissions textbox read as a list.
 */
import { describe, expect, test } from "vitest";
import { ApiError } from "../../web/src/api/client.ts";
import { errorWords } from "../../web/src/api/error-words.ts";
import { formatterFor } from "../../web/src/i18n/format.ts";
import { catalogs } from "../../web/src/i18n/messages.ts";
import { activityWhat, activityWhy } from "../../web/src/pages/integrations/activity-words.ts";
import { parsePermissions } from "../../web/src/pages/integrations/permissions.ts";

const { en, de } = catalogs;

describe("UI.md's admin names", () => {
  test("are exact in English and German", () => {
    const pairs: Array<[string, string, string, string]> = [
      [en.integrations, "Integrations", de.integrations, "Integrationen"],
      [en.customIntegrations, "Custom integrations", de.customIntegrations, "Nutzerdefinierte Integrationen"],
      [en.tabServiceUsers, "Service users", de.tabServiceUsers, "Servicenutzer"],
      [en.tabOrganizationTokens, "Organization tokens", de.tabOrganizationTokens, "Organisations-Token"],
      [en.tabActivity, "Activity", de.tabActivity, "Aktivität"],
      [en.addServiceUser, "Add service user", de.addServiceUser, "Servicenutzer hinzufügen"],
      [en.permissions, "Permissions", de.permissions, "Berechtigungen"],
      [en.save, "Save", de.save, "Speichern"],
      [en.generateTokenFor("CI"), "Generate token for CI", de.generateTokenFor("CI"), "Token für CI generieren"],
      [en.editNamed("CI"), "Edit CI", de.editNamed("CI"), "CI bearbeiten"],
      [en.deleteNamed("CI"), "Delete CI", de.deleteNamed("CI"), "CI löschen"],
      [en.delete, "Delete", de.delete, "Löschen"],
      [en.kindUser, "User", de.kindUser, "Nutzer"],
      [en.kindServiceUser, "Service user", de.kindServiceUser, "Servicenutzer"],
      [en.loadMore, "Load more", de.loadMore, "Mehr laden"],
      [en.activityTokenCreated("CI"), "created token 'CI'", de.activityTokenCreated("CI"), "hat Token 'CI' erstellt"],
    ];
    for (const [english, expectedEnglish, german, expectedGerman] of pairs) {
      expect(english).toBe(expectedEnglish);
      expect(german).toBe(expectedGerman);
    }
  });

  test("the visible words of each row's buttons are inside their names (WCAG 2.5.3, label in name)", () => {
    for (const t of [en, de]) {
      expect(t.generateTokenFor("CI").toLowerCase()).toContain(t.generate.toLowerCase());
      expect(t.editNamed("CI").toLowerCase()).toContain(t.edit.toLowerCase());
      expect(t.deleteNamed("CI").toLowerCase()).toContain(t.delete.toLowerCase());
      expect(t.showTokensOf("CI").toLowerCase()).toContain(t.tokensButton.toLowerCase());
    }
  });
});

describe("the activity in words", () => {
  const actions = [
    "token.created",
    "token.revoked",
    "token.expired",
    "token.login",
    "token.rotated",
    "service_user.created",
    "service_user.updated",
    "service_user.deleted",
  ] as const;

  test.each([
    ["en", en],
    ["de", de],
  ] as const)("every action names what it acted on, differently for each (%s)", (_, t) => {
    const sentences = actions.map((action) => activityWhat({ action, detail: { name: "CI" } }, t));
    for (const sentence of sentences) expect(sentence).toContain("'CI'");
    expect(new Set(sentences).size).toBe(actions.length);
    // No name recorded: still a sentence, without quotes around nothing.
    expect(activityWhat({ action: "token.created" }, t)).not.toContain("''");
  });

  test("an action this page does not know yet is still a sentence that names it", () => {
    const unknown = { action: "token.teleported" } as unknown as Parameters<typeof activityWhat>[0];
    expect(activityWhat(unknown, en)).toBe("did something this page cannot describe yet (token.teleported)");
    expect(activityWhat(unknown, de)).toContain("(token.teleported)");
  });

  test("the System's reasons read as words; a new one shows its code; none is empty", () => {
    const reasons = ["user_deactivated", "user_removed", "organization_deleted", "inactivity", "leaked", "rotated"];
    for (const t of [en, de]) {
      const words = reasons.map((reason) => activityWhy({ detail: { reason } }, t));
      expect(new Set(words).size).toBe(reasons.length);
      for (const [index, word] of words.entries()) expect(word).not.toBe(reasons[index]);
      expect(activityWhy({ detail: { reason: "solar_flare" } }, t)).toBe("solar_flare");
      expect(activityWhy({ detail: { reason: "toString" } }, t)).toBe("toString");
      expect(activityWhy({}, t)).toBe("");
    }
    expect(activityWhy({ detail: { reason: "user_deactivated" } }, en)).toBe("user deactivated");
    expect(activityWhy({ detail: { reason: "inactivity" } }, de)).toContain("Inaktivität");
  });
});

describe("admin errors", () => {
  const context = (t: typeof en) => ({ t, format: formatterFor("en"), now: new Date(), scope: "admin" as const });

  test("the limit names the organization's 20 service-user tokens; forbidden names the permission; unavailable the request id", () => {
    expect(errorWords(new ApiError(409, "token_limit_reached", "x"), context(en))).toContain("20 active service-user tokens");
    expect(errorWords(new ApiError(403, "forbidden", "x"), context(en))).toContain('"api-tokens:admin"');
    expect(errorWords(new ApiError(403, "forbidden", "x"), context(de))).toContain("„api-tokens:admin“");
    expect(errorWords(new ApiError(404, "not_found", "x"), context(en))).toBe(en.errorAdminNotFound);
    expect(errorWords(new ApiError(503, "unavailable", "x", "req-1"), context(en))).toContain("req-1");
  });
});

describe("the permissions textbox", () => {
  test("is read as a list: split at commas, trimmed, empty ones and repeats dropped", () => {
    expect(parsePermissions("reports:read, inspections:write")).toEqual(["reports:read", "inspections:write"]);
    expect(parsePermissions(" a ,, b , a ,")).toEqual(["a", "b"]);
    expect(parsePermissions("")).toEqual([]);
    expect(parsePermissions("  ,  ")).toEqual([]);
  });
});
