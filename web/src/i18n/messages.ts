/**
 * The page's words in English and German. The names UI.md fixes (roles and accessible names that tests and
 * screen readers find) are marked "UI.md"; the German ones are the help article's own. Counts go through
 * `Intl.PluralRules` (see format.ts), so each catalog says its plural forms itself.
 */
import { type AdminMessages, deAdmin, enAdmin } from "./admin-messages.ts";

export type Language = "en" | "de";

/** Plural forms for `Intl.PluralRules`; "#" is the count. English and German need only these two. */
export type Plural = { one: string; other: string };

export interface Messages extends AdminMessages {
  languageName: string;
  languageLabel: string;
  skipToContent: string;
  productName: string;
  mainNavigation: string;
  // The article's steps (UI.md)
  myProfile: string;
  settings: string;
  apiTokens: string;
  overview: string;
  profileNavigation: string;
  settingsNavigation: string;
  accountMenu: string;
  signOut: string;
  home: string;
  homeIntro: (name: string) => string;
  profileIntro: string;
  settingsIntro: string;
  profileName: string;
  profileId: string;
  organization: string;
  organizationOption: (name: string | null, id: string) => string;
  noOrganizations: string;
  loading: string;
  // The tokens page
  tokensIntro: string;
  tokensInUse: Plural;
  tokensLimit: (limit: number) => string;
  limitReachedNote: string;
  generateApiToken: string;
  emptyList: (generate: string) => string;
  tableCaption: string;
  columnName: string;
  columnCreated: string;
  columnLastUsed: string;
  columnExpires: string;
  columnActions: string;
  never: string;
  expiresSoon: string;
  revoke: string;
  revokeNamed: (name: string) => string;
  // The generate pop-up (UI.md)
  name: string;
  nameHint: string;
  password: string;
  passwordHint: string;
  ssoNoPassword: string;
  generate: string;
  cancel: string;
  copyToken: string;
  copied: string;
  copyFailed: string;
  secretWarning: string;
  secretIntro: string;
  done: string;
  // The revoke confirmation
  revokeTitle: (name: string) => string;
  revokeWarning: string;
  revoked: (name: string) => string;
  // Regenerating (a rotation; UI.md)
  regenerate: string;
  regenerateNamed: (name: string) => string;
  regenerateApiToken: string;
  regenerateIntro: (name: string) => string;
  keepOldWorking: string;
  graceNone: string;
  graceHour: string;
  graceDay: string;
  graceHint: string;
  replacedUntil: (time: string) => string;
  regenerateSecretIntro: string;
  // Errors a person can act on
  errorWrongPassword: string;
  errorPasswordMissing: string;
  errorLimit: (limit: number, oldest: readonly string[]) => string;
  errorThrottled: (inTime: string, at: string) => string;
  errorNameInvalid: string;
  errorNameRequired: string;
  errorNameTooLong: string;
  errorForbidden: string;
  errorNotFoundAnymore: string;
  errorUnavailable: (requestId: string | undefined) => string;
  errorNetwork: string;
  errorSignIn: string;
  signInAgain: string;
  signingIn: string;
  notFoundTitle: string;
  notFoundText: string;
}

const en: Messages = {
  ...enAdmin,
  languageName: "English",
  languageLabel: "Language",
  skipToContent: "Skip to content",
  productName: "Platform",
  mainNavigation: "Main",
  myProfile: "My profile",
  settings: "Settings",
  apiTokens: "API tokens",
  overview: "Overview",
  profileNavigation: "Profile",
  settingsNavigation: "Settings sections",
  accountMenu: "Account",
  signOut: "Sign out",
  home: "Home",
  homeIntro: (name) => `Welcome, ${name}. Your API tokens are under your name, bottom left: My profile, Settings, API tokens.`,
  profileIntro: "Your account on the platform.",
  settingsIntro: "Settings of your account.",
  profileName: "Name",
  profileId: "User id",
  organization: "Organization",
  organizationOption: (name, id) => (name ? `${name} (${id})` : id),
  noOrganizations: "You are not an active member of any organization, so you cannot have API tokens. Ask an administrator to add you.",
  loading: "Loading…",
  tokensIntro:
    "API tokens let scripts and tools call the platform's API as you, with your current permissions. A token stops working after 30 days without use.",
  tokensInUse: { one: "You have # active token.", other: "You have # active tokens." },
  tokensLimit: (limit) => `At most ${limit} can be active at a time.`,
  limitReachedNote: "You have reached the limit. Revoke a token you no longer need before generating another.",
  generateApiToken: "Generate API token",
  emptyList: (generate) => `You have no API tokens in this organization yet. Use "${generate}" to make one.`,
  tableCaption: "Your active API tokens",
  columnName: "Name",
  columnCreated: "Created",
  columnLastUsed: "Last used",
  columnExpires: "Expires",
  columnActions: "Actions",
  never: "Never",
  expiresSoon: "expires soon",
  revoke: "Revoke",
  revokeNamed: (name) => `Revoke ${name}`,
  name: "Name",
  nameHint: "What the token is for, e.g. the tool that uses it.",
  password: "Password",
  passwordHint: "The password you sign in with, to confirm it is you.",
  ssoNoPassword: "Your organization signs in with single sign-on, so no password is needed.",
  generate: "Generate",
  cancel: "Cancel",
  copyToken: "Copy token",
  copied: "Copied",
  copyFailed: "Could not copy. Select the token and copy it yourself.",
  secretWarning: "Copy the token now: you cannot see it again after you close this window.",
  secretIntro: "Your new API token:",
  done: "Done",
  revokeTitle: (name) => `Revoke "${name}"?`,
  revokeWarning: "Anything that uses this token stops working at once. This cannot be undone.",
  revoked: (name) => `"${name}" was revoked.`,
  regenerate: "Regenerate",
  regenerateNamed: (name) => `Regenerate ${name}`,
  regenerateApiToken: "Regenerate API token",
  regenerateIntro: (name) => `A new token replaces "${name}", with the same name. Paste it into the integration that uses the old one.`,
  keepOldWorking: "Keep the old token working",
  graceNone: "No",
  graceHour: "1 hour",
  graceDay: "24 hours",
  graceHint: "Time to switch the integration over. Choose No if the old token may have leaked: it then stops at once.",
  replacedUntil: (time) => `Replaced, works until ${time}`,
  regenerateSecretIntro: "Your new API token (it replaces the old one):",
  errorWrongPassword: "The password is wrong. Enter the password you use to sign in.",
  errorPasswordMissing: "Enter your password to confirm it is you.",
  errorLimit: (limit, oldest) =>
    `You already have ${limit} active tokens, the most allowed. Revoke one you no longer need first${
      oldest.length > 0 ? `, for example the least recently used: ${oldest.map((name) => `"${name}"`).join(", ")}` : ""
    }.`,
  errorThrottled: (inTime, at) => `Too many wrong passwords. Try again ${inTime} (at ${at}).`,
  errorNameInvalid: "The name cannot be used. Use 1 to 100 visible characters, without control characters.",
  errorNameRequired: "Enter a name for the token.",
  errorNameTooLong: "The name is too long: use at most 100 characters.",
  errorForbidden: "You are not an active member of this organization any more. Choose another organization or ask an administrator.",
  errorNotFoundAnymore: "This token no longer exists: it was revoked or expired.",
  errorUnavailable: (requestId) =>
    `The service could not complete this right now. Nothing was changed; try again in a moment.${requestId ? ` (Request id ${requestId})` : ""}`,
  errorNetwork: "The service cannot be reached. Check your connection and try again.",
  errorSignIn: "Signing in did not work. Try again.",
  signInAgain: "Sign in again",
  signingIn: "Signing in…",
  notFoundTitle: "Page not found",
  notFoundText: "There is no page at this address.",
};

const de: Messages = {
  ...deAdmin,
  languageName: "Deutsch",
  languageLabel: "Sprache",
  skipToContent: "Zum Inhalt springen",
  productName: "Plattform",
  mainNavigation: "Hauptnavigation",
  myProfile: "Mein Profil",
  settings: "Einstellungen",
  apiTokens: "API-Token",
  overview: "Übersicht",
  profileNavigation: "Profil",
  settingsNavigation: "Bereiche der Einstellungen",
  accountMenu: "Konto",
  signOut: "Abmelden",
  home: "Start",
  homeIntro: (name) =>
    `Willkommen, ${name}. Ihre API-Token finden Sie unter Ihrem Namen unten links: Mein Profil, Einstellungen, API-Token.`,
  profileIntro: "Ihr Konto auf der Plattform.",
  settingsIntro: "Einstellungen Ihres Kontos.",
  profileName: "Name",
  profileId: "Nutzer-ID",
  organization: "Organisation",
  organizationOption: (name, id) => (name ? `${name} (${id})` : id),
  noOrganizations:
    "Sie sind in keiner Organisation aktives Mitglied und können deshalb keine API-Token haben. Bitten Sie einen Administrator, Sie hinzuzufügen.",
  loading: "Wird geladen …",
  tokensIntro:
    "Mit API-Token rufen Skripte und Tools die API der Plattform in Ihrem Namen auf, mit Ihren aktuellen Berechtigungen. Ein Token verfällt nach 30 Tagen ohne Nutzung.",
  tokensInUse: { one: "Sie haben # aktives Token.", other: "Sie haben # aktive Token." },
  tokensLimit: (limit) => `Höchstens ${limit} können gleichzeitig aktiv sein.`,
  limitReachedNote:
    "Sie haben die Höchstzahl erreicht. Widerrufen Sie ein Token, das Sie nicht mehr brauchen, bevor Sie ein neues generieren.",
  generateApiToken: "API-Token generieren",
  emptyList: (generate) => `Sie haben in dieser Organisation noch keine API-Token. Mit „${generate}“ erstellen Sie eines.`,
  tableCaption: "Ihre aktiven API-Token",
  columnName: "Name",
  columnCreated: "Erstellt",
  columnLastUsed: "Zuletzt verwendet",
  columnExpires: "Läuft ab",
  columnActions: "Aktionen",
  never: "Nie",
  expiresSoon: "läuft bald ab",
  revoke: "Widerrufen",
  revokeNamed: (name) => `${name} widerrufen`,
  name: "Name",
  nameHint: "Wofür das Token ist, z. B. das Tool, das es verwendet.",
  password: "Passwort",
  passwordHint: "Das Passwort, mit dem Sie sich anmelden, zur Bestätigung.",
  ssoNoPassword: "Ihre Organisation meldet Sie per Single Sign-on an, deshalb ist kein Passwort nötig.",
  generate: "Generieren",
  cancel: "Abbrechen",
  copyToken: "Token kopieren",
  copied: "Kopiert",
  copyFailed: "Kopieren hat nicht geklappt. Markieren Sie das Token und kopieren Sie es selbst.",
  secretWarning: "Kopieren Sie das Token jetzt: Nach dem Schließen dieses Fensters können Sie es nicht mehr sehen.",
  secretIntro: "Ihr neues API-Token:",
  done: "Fertig",
  revokeTitle: (name) => `„${name}“ widerrufen?`,
  revokeWarning: "Alles, was dieses Token verwendet, funktioniert sofort nicht mehr. Das lässt sich nicht rückgängig machen.",
  revoked: (name) => `„${name}“ wurde widerrufen.`,
  regenerate: "Neu generieren",
  regenerateNamed: (name) => `${name} neu generieren`,
  regenerateApiToken: "API-Token neu generieren",
  regenerateIntro: (name) =>
    `Ein neues Token mit demselben Namen ersetzt „${name}“. Fügen Sie es in die Integration ein, die das alte verwendet.`,
  keepOldWorking: "Altes Token weiter gültig",
  graceNone: "Nein",
  graceHour: "1 Stunde",
  graceDay: "24 Stunden",
  graceHint:
    "Zeit, um die Integration umzustellen. Wählen Sie Nein, falls das alte Token in falsche Hände geraten sein kann: Es funktioniert dann sofort nicht mehr.",
  replacedUntil: (time) => `Ersetzt, gültig bis ${time}`,
  regenerateSecretIntro: "Ihr neues API-Token (es ersetzt das alte):",
  errorWrongPassword: "Das Passwort ist falsch. Geben Sie das Passwort ein, mit dem Sie sich anmelden.",
  errorPasswordMissing: "Geben Sie zur Bestätigung Ihr Passwort ein.",
  errorLimit: (limit, oldest) =>
    `Sie haben bereits ${limit} aktive Token, mehr sind nicht erlaubt. Widerrufen Sie zuerst eines, das Sie nicht mehr brauchen${
      oldest.length > 0 ? `, zum Beispiel die am längsten nicht verwendeten: ${oldest.map((name) => `„${name}“`).join(", ")}` : ""
    }.`,
  errorThrottled: (inTime, at) => `Zu viele falsche Passwörter. Versuchen Sie es ${inTime} wieder (um ${at}).`,
  errorNameInvalid: "Dieser Name ist nicht möglich. Verwenden Sie 1 bis 100 sichtbare Zeichen ohne Steuerzeichen.",
  errorNameRequired: "Geben Sie einen Namen für das Token ein.",
  errorNameTooLong: "Der Name ist zu lang: höchstens 100 Zeichen.",
  errorForbidden:
    "Sie sind in dieser Organisation nicht mehr aktives Mitglied. Wählen Sie eine andere Organisation oder wenden Sie sich an einen Administrator.",
  errorNotFoundAnymore: "Dieses Token gibt es nicht mehr: Es wurde widerrufen oder ist abgelaufen.",
  errorUnavailable: (requestId) =>
    `Der Dienst konnte das gerade nicht ausführen. Es wurde nichts geändert; versuchen Sie es gleich noch einmal.${
      requestId ? ` (Anfrage-ID ${requestId})` : ""
    }`,
  errorNetwork: "Der Dienst ist nicht erreichbar. Prüfen Sie Ihre Verbindung und versuchen Sie es noch einmal.",
  errorSignIn: "Die Anmeldung hat nicht funktioniert. Versuchen Sie es noch einmal.",
  signInAgain: "Erneut anmelden",
  signingIn: "Anmeldung läuft …",
  notFoundTitle: "Seite nicht gefunden",
  notFoundText: "Unter dieser Adresse gibt es keine Seite.",
};

export const catalogs: Record<Language, Messages> = { en, de };

/** UI.md: `de*` → German, anything else → English. */
export function languageFromBrowser(languages: readonly string[]): Language {
  const first = languages[0]?.toLowerCase() ?? "en";
  return first.startsWith("de") ? "de" : "en";
}
