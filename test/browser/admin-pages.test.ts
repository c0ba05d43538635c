/**
 * The admin pages (UI.md "Admin pages") in a real browser, by their roles and names, in English and German: an
 * admin adds a service user with two permissions, generates its token (no password, copy-once) which verifies
 * with those permissions; the organization's tokens list it with its kind and owner and revoke it; the activity
 * says both in words with the admin's name; deleting the service user asks first. A member without
 * `api-tokens:admin` sees no entry and is told why on the path.
 */
import { describe, expect, test } from "vitest";
import { ADMIN_PERMISSION, newAdmin, useSharedLocalService } from "../e2e/e2e-support.ts";
import { newPage, screenshot, seriousAxeViolations, signIn, useBrowser } from "./support/browser.ts";
import { expectClipboardServiceTokenVerifies, expectSecretNowhere, namedOrganization, newPerson } from "./support/people.ts";

const ctx = useSharedLocalService();
const chromium = useBrowser();
const ADMIN_PATH = "/integrations/custom";

const WORDS = {
  en: {
    locale: "en-US",
    integrations: "Integrations",
    heading: "Custom integrations",
    serviceUsers: "Service users",
    organizationTokens: "Organization tokens",
    activity: "Activity",
    add: "Add service user",
    name: "Name",
    permissions: "Permissions",
    save: "Save",
    generateFor: (name: string) => `Generate token for ${name}`,
    generateApiToken: "Generate API token",
    generate: "Generate",
    copyToken: /^Copy token/,
    copied: "Copied",
    done: "Done",
    inUse: "1 of 20 service-user tokens in use",
    serviceUser: "Service user",
    revoke: (name: string) => `Revoke ${name}`,
    revokeConfirm: "Revoke",
    created: (name: string) => `created token '${name}'`,
    revoked: (name: string) => `revoked token '${name}'`,
    serviceUserCreated: (name: string) => `created service user '${name}'`,
    deleteNamed: (name: string) => `Delete ${name}`,
    deleteConfirm: "Delete",
    cancel: "Cancel",
    revokedToo: /revoked too/,
  },
  de: {
    locale: "de-DE",
    integrations: "Integrationen",
    heading: "Nutzerdefinierte Integrationen",
    serviceUsers: "Servicenutzer",
    organizationTokens: "Organisations-Token",
    activity: "Aktivität",
    add: "Servicenutzer hinzufügen",
    name: "Name",
    permissions: "Berechtigungen",
    save: "Speichern",
    generateFor: (name: string) => `Token für ${name} generieren`,
    generateApiToken: "API-Token generieren",
    generate: "Generieren",
    copyToken: /^Token kopieren/,
    copied: "Kopiert",
    done: "Fertig",
    inUse: "1 von 20 Servicenutzer-Token",
    serviceUser: "Servicenutzer",
    revoke: (name: string) => `${name} widerrufen`,
    revokeConfirm: "Widerrufen",
    created: (name: string) => `hat Token '${name}' erstellt`,
    revoked: (name: string) => `hat Token '${name}' widerrufen`,
    serviceUserCreated: (name: string) => `hat Servicenutzer '${name}' angelegt`,
    deleteNamed: (name: string) => `${name} löschen`,
    deleteConfirm: "Löschen",
    cancel: "Abbrechen",
    revokedToo: /ebenfalls widerrufen/,
  },
} as const;

describe.each(["en", "de"] as const)("the admin pages in %s", (language) => {
  const words = WORDS[language];

  test("add a service user, generate and copy its token, see it organization-wide, revoke it there, read the activity, delete with a confirmation", async () => {
    const { api } = ctx;
    const orgId = await namedOrganization(api, { name: language === "de" ? "Beispiel GmbH" : "Acme Corp" });
    const admin = await newAdmin(api, { orgId, name: language === "de" ? "Grete Müller" : "Ada Lovelace" });
    const { context, page } = await newPage(chromium.browser, { baseUrl: api.baseUrl, locale: words.locale });
    // axe-core at the default width, in English (the narrow width and German: admin-pages-quality.test.ts).
    const axeClean = async (state: string) => {
      if (language === "en") expect.soft(await seriousAxeViolations(page), state).toEqual([]);
    };
    const row = (name: string) => page.getByRole("row").filter({ has: page.getByRole("rowheader", { name, exact: true }) });
    const suName = "Warehouse sync";
    const tokenName = "Nightly export";
    try {
      await signIn(page, "/", admin, language);
      await page.getByRole("navigation").getByRole("link", { name: words.integrations }).click();
      await page.getByRole("heading", { level: 1, name: words.heading }).waitFor();
      expect(new URL(page.url()).pathname).toBe(ADMIN_PATH);
      expect(await page.getByRole("tab", { name: words.serviceUsers }).getAttribute("aria-selected")).toBe("true");

      // Add a service user with two permissions.
      await page.getByRole("button", { name: words.add }).click();
      const addDialog = page.getByRole("dialog", { name: words.add });
      await addDialog.getByRole("textbox", { name: words.name }).fill(suName);
      await addDialog.getByRole("textbox", { name: words.permissions }).fill("reports:read, inspections:write");
      await addDialog.getByRole("button", { name: words.save }).click();
      await row(suName).waitFor();
      expect(await row(suName).textContent()).toContain("reports:read, inspections:write");

      // Its token: no password, the copy-once pop-up; the copied secret verifies as the service user.
      await page.getByRole("button", { name: words.generateFor(suName) }).click();
      const dialog = page.getByRole("dialog", { name: words.generateApiToken });
      await dialog.waitFor();
      expect(await dialog.getByLabel(language === "de" ? "Passwort" : "Password").count()).toBe(0);
      await dialog.getByRole("textbox", { name: words.name }).fill(tokenName);
      await dialog.getByRole("button", { name: words.generate, exact: true }).click();
      await dialog.getByRole("button", { name: words.copyToken }).click();
      await dialog.getByRole("status").filter({ hasText: words.copied }).waitFor();
      await screenshot(page, `admin-secret-${language}`);
      await axeClean("secret");
      const secret = await expectClipboardServiceTokenVerifies(page, api, {
        orgId,
        name: suName,
        permissions: ["reports:read", "inspections:write"],
      });
      await dialog.getByRole("button", { name: words.done }).click();
      await expect.poll(() => page.getByRole("dialog").count()).toBe(0);
      await expectSecretNowhere(page, secret);
      await page.getByText(words.inUse).waitFor();
      await row(tokenName).waitFor(); // its tokens, below the table
      await screenshot(page, `admin-service-users-${language}`);
      await axeClean("service users");

      // Organization-wide: its kind and owner; revoking there stops it.
      await page.getByRole("tab", { name: words.organizationTokens }).click();
      await row(tokenName).waitFor();
      expect(await row(tokenName).textContent()).toContain(`${words.serviceUser}${suName}`);
      await screenshot(page, `admin-organization-tokens-${language}`);
      await axeClean("organization tokens");
      await page.getByRole("button", { name: words.revoke(tokenName) }).click();
      await page.getByRole("alertdialog").getByRole("button", { name: words.revokeConfirm, exact: true }).click();
      await expect.poll(() => row(tokenName).count()).toBe(0);
      const verified = await api.request("POST", "/v1/verify", { body: { token: secret } });
      expect(verified.body).toMatchObject({ valid: false, reason: "revoked" });

      // The activity, in words with the admin's name; the tab survives a reload.
      await page.getByRole("tab", { name: words.activity }).click();
      await expect.poll(() => new URL(page.url()).search).toBe("?tab=activity");
      await page.reload();
      const activity = page.getByRole("tabpanel", { name: words.activity });
      await activity.getByText(words.revoked(tokenName)).waitFor();
      const lines = (await activity.getByRole("row").allTextContents()).slice(1);
      expect(lines[0]).toContain(admin.name);
      expect(lines[0]).toContain(words.revoked(tokenName));
      expect(lines[1]).toContain(words.created(tokenName));
      expect(lines[2]).toContain(words.serviceUserCreated(suName));
      await screenshot(page, `admin-activity-${language}`);
      await axeClean("activity");

      // Deleting asks first, and says its tokens go too.
      await page.getByRole("tab", { name: words.serviceUsers }).click();
      await page.getByRole("button", { name: words.deleteNamed(suName) }).click();
      const confirm = page.getByRole("alertdialog");
      expect(await confirm.textContent()).toMatch(words.revokedToo);
      await axeClean("delete");
      await confirm.getByRole("button", { name: words.cancel }).click();
      await row(suName).waitFor();
      await page.getByRole("button", { name: words.deleteNamed(suName) }).click();
      await page.getByRole("alertdialog").getByRole("button", { name: words.deleteConfirm, exact: true }).click();
      await expect.poll(() => row(suName).count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});

test("a member without the admin permission sees no Integrations entry, and the path says which permission is needed", async () => {
  const { api } = ctx;
  const orgId = await namedOrganization(api, { name: "Acme Corp" });
  const member = await newPerson(api, { orgId, name: "Mo Member" });
  const { context, page } = await newPage(chromium.browser, { baseUrl: api.baseUrl });
  try {
    await signIn(page, "/", member);
    await page.getByRole("heading", { level: 1, name: "Home" }).waitFor();
    expect(await page.getByRole("link", { name: "Integrations" }).count()).toBe(0);
    // /integrations leads to its one section.
    await page.goto("/integrations");
    await page.getByRole("heading", { level: 1, name: "Custom integrations" }).waitFor();
    expect(new URL(page.url()).pathname).toBe(ADMIN_PATH);
    await page.getByText(`the permission "${ADMIN_PERMISSION}" in Acme Corp`).waitFor();
    expect(await page.getByRole("tab").count()).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);
  } finally {
    await context.close();
  }
});
