/**
 * The admin pages' words (Integrations › Custom integrations), in English and German. Kept apart from the
 * tokens page's catalog so that each file stays readable; `messages.ts` merges them into one `Messages`.
 * Names marked "UI.md" are fixed there (tests outside this repository find the page by them).
 */
import type { Plural } from "./messages.ts";

export interface AdminMessages {
  // Navigation and the page (UI.md)
  integrations: string;
  customIntegrations: string;
  integrationsIntro: string;
  integrationsSections: string;
  tabServiceUsers: string;
  tabOrganizationTokens: string;
  tabActivity: string;
  adminPermissionNeeded: (permission: string, organization: string) => string;
  loadMore: string;
  loadedMore: Plural;
  // Service users (UI.md)
  serviceUsersIntro: string;
  serviceUsersCaption: string;
  addServiceUser: string;
  editServiceUser: string;
  columnPermissions: string;
  columnActiveTokens: string;
  noPermissions: string;
  noServiceUsers: (add: string) => string;
  permissions: string;
  permissionsHint: string;
  serviceUserNameHint: string;
  save: string;
  edit: string;
  tokensButton: string;
  generateTokenFor: (name: string) => string;
  editNamed: (name: string) => string;
  deleteNamed: (name: string) => string;
  showTokensOf: (name: string) => string;
  tokensOf: (name: string) => string;
  noServiceUserTokens: string;
  serviceTokensInUse: (active: number, limit: number) => string;
  serviceLimitReached: string;
  serviceUserSecretIntro: string;
  serviceUserNoPassword: string;
  deleteTitle: (name: string) => string;
  deleteWarning: Plural;
  delete: string;
  deleted: (name: string) => string;
  saved: (name: string) => string;
  // Organization tokens (UI.md)
  organizationTokensIntro: string;
  organizationTokensCaption: string;
  columnKind: string;
  columnOwner: string;
  kindUser: string;
  kindServiceUser: string;
  noOrganizationTokens: string;
  // Activity (UI.md)
  activityIntro: string;
  activityCaption: string;
  columnWhen: string;
  columnWho: string;
  columnWhat: string;
  columnWhy: string;
  noActivity: string;
  system: string;
  activityTokenCreated: (name: string | undefined) => string;
  activityTokenRevoked: (name: string | undefined) => string;
  activityTokenExpired: (name: string | undefined) => string;
  activityTokenLogin: (name: string | undefined) => string;
  activityTokenRotated: (name: string | undefined) => string;
  activityServiceUserCreated: (name: string | undefined) => string;
  activityServiceUserUpdated: (name: string | undefined) => string;
  activityServiceUserDeleted: (name: string | undefined) => string;
  activityUnknown: (action: string) => string;
  reasonUserDeactivated: string;
  reasonUserRemoved: string;
  reasonOrganizationDeleted: string;
  reasonInactivity: string;
  reasonLeaked: string;
  reasonRotated: string;
  reasonServiceUserDeleted: string;
  reasonSelf: string;
  reasonOperator: string;
  // Errors on the admin pages
  errorAdminForbidden: (permission: string) => string;
  errorServiceLimit: (limit: number) => string;
  errorAdminNotFound: string;
  errorPermissionsInvalid: string;
}

const quoted = (name: string | undefined, unnamed: string) => (name === undefined ? unnamed : `'${name}'`);

export const enAdmin: AdminMessages = {
  integrations: "Integrations",
  customIntegrations: "Custom integrations",
  integrationsIntro:
    "Service users connect systems to the platform with permissions you set. Their tokens are not affected when people leave; the activity shows who did what.",
  integrationsSections: "Custom integrations sections",
  tabServiceUsers: "Service users",
  tabOrganizationTokens: "Organization tokens",
  tabActivity: "Activity",
  adminPermissionNeeded: (permission, organization) =>
    `To manage custom integrations you need the permission "${permission}" in ${organization}. Ask an administrator of the organization to give it to you.`,
  loadMore: "Load more",
  loadedMore: { one: "# more row loaded.", other: "# more rows loaded." },
  serviceUsersIntro:
    "A service user is an account for a system, not a person: it holds the permissions you give it and never counts as a seat.",
  serviceUsersCaption: "Service users",
  addServiceUser: "Add service user",
  editServiceUser: "Edit service user",
  columnPermissions: "Permissions",
  columnActiveTokens: "Active tokens",
  noPermissions: "None",
  noServiceUsers: (add) => `This organization has no service users yet. Use "${add}" to make one.`,
  permissions: "Permissions",
  permissionsHint: "Separate them with commas, e.g. reports:read, inspections:write. Leave empty for none.",
  serviceUserNameHint: "The system it stands for, e.g. Workato or the nightly export.",
  save: "Save",
  edit: "Edit",
  tokensButton: "Tokens",
  generateTokenFor: (name) => `Generate token for ${name}`,
  editNamed: (name) => `Edit ${name}`,
  deleteNamed: (name) => `Delete ${name}`,
  showTokensOf: (name) => `Show tokens of ${name}`,
  tokensOf: (name) => `Tokens of ${name}`,
  noServiceUserTokens: "This service user has no active tokens.",
  serviceTokensInUse: (active, limit) => `${active} of ${limit} service-user tokens in use in this organization.`,
  serviceLimitReached: "The organization has reached the limit. Revoke a service-user token it no longer needs before generating another.",
  serviceUserSecretIntro: "The service user's new API token:",
  serviceUserNoPassword: "Service-user tokens need no password: they belong to the service user, not to you.",
  deleteTitle: (name) => `Delete "${name}"?`,
  deleteWarning: {
    one: "Its # active token is revoked too: anything that uses it stops working at once. This cannot be undone.",
    other: "Its tokens are revoked too (# active): anything that uses them stops working at once. This cannot be undone.",
  },
  delete: "Delete",
  deleted: (name) => `"${name}" was deleted and its tokens revoked.`,
  saved: (name) => `"${name}" was saved.`,
  organizationTokensIntro: "Every active token of the organization, of people and of service users.",
  organizationTokensCaption: "Active tokens of the organization",
  columnKind: "Kind",
  columnOwner: "Owner",
  kindUser: "User",
  kindServiceUser: "Service user",
  noOrganizationTokens: "The organization has no active tokens.",
  activityIntro: "What happened to the organization's tokens and service users, newest first.",
  activityCaption: "Activity",
  columnWhen: "When",
  columnWho: "Who",
  columnWhat: "What",
  columnWhy: "Why",
  noActivity: "Nothing has happened yet.",
  system: "System",
  activityTokenCreated: (name) => `created token ${quoted(name, "(unnamed)")}`,
  activityTokenRevoked: (name) => `revoked token ${quoted(name, "(unnamed)")}`,
  activityTokenExpired: (name) => `token ${quoted(name, "(unnamed)")} expired`,
  activityTokenLogin: (name) => `logged in with token ${quoted(name, "(unnamed)")}`,
  activityTokenRotated: (name) => `regenerated token ${quoted(name, "(unnamed)")}`,
  activityServiceUserCreated: (name) => `created service user ${quoted(name, "(unnamed)")}`,
  activityServiceUserUpdated: (name) => `changed service user ${quoted(name, "(unnamed)")}`,
  activityServiceUserDeleted: (name) => `deleted service user ${quoted(name, "(unnamed)")}`,
  activityUnknown: (action) => `did something this page cannot describe yet (${action})`,
  reasonUserDeactivated: "user deactivated",
  reasonUserRemoved: "user removed from the organization",
  reasonOrganizationDeleted: "organization deleted",
  reasonInactivity: "inactivity: 30 days without use",
  reasonLeaked: "reported as leaked",
  reasonRotated: "replaced by a regenerated token",
  reasonServiceUserDeleted: "its service user was deleted",
  reasonSelf: "the token revoked itself",
  reasonOperator: "revoked by an operator",
  errorAdminForbidden: (permission) =>
    `You need the permission "${permission}" in this organization for this. Ask an administrator of the organization.`,
  errorServiceLimit: (limit) =>
    `The organization already has ${limit} active service-user tokens, the most allowed. Revoke one it no longer needs first (see Organization tokens).`,
  errorAdminNotFound: "This no longer exists: someone deleted or revoked it in the meantime.",
  errorPermissionsInvalid: "Permissions cannot be used: give at most 100, each 1 to 100 characters, separated by commas.",
};

export const deAdmin: AdminMessages = {
  integrations: "Integrationen",
  customIntegrations: "Nutzerdefinierte Integrationen",
  integrationsIntro:
    "Servicenutzer verbinden Systeme mit der Plattform, mit Berechtigungen, die Sie festlegen. Ihre Token bleiben gültig, wenn Personen gehen; die Aktivität zeigt, wer was getan hat.",
  integrationsSections: "Bereiche der nutzerdefinierten Integrationen",
  tabServiceUsers: "Servicenutzer",
  tabOrganizationTokens: "Organisations-Token",
  tabActivity: "Aktivität",
  adminPermissionNeeded: (permission, organization) =>
    `Um nutzerdefinierte Integrationen zu verwalten, brauchen Sie die Berechtigung „${permission}“ in ${organization}. Bitten Sie einen Administrator der Organisation darum.`,
  loadMore: "Mehr laden",
  loadedMore: { one: "# weitere Zeile geladen.", other: "# weitere Zeilen geladen." },
  serviceUsersIntro:
    "Ein Servicenutzer ist ein Konto für ein System, nicht für eine Person: Er hat die Berechtigungen, die Sie ihm geben, und belegt keinen Platz.",
  serviceUsersCaption: "Servicenutzer",
  addServiceUser: "Servicenutzer hinzufügen",
  editServiceUser: "Servicenutzer bearbeiten",
  columnPermissions: "Berechtigungen",
  columnActiveTokens: "Aktive Token",
  noPermissions: "Keine",
  noServiceUsers: (add) => `Diese Organisation hat noch keine Servicenutzer. Mit „${add}“ legen Sie einen an.`,
  permissions: "Berechtigungen",
  permissionsHint: "Durch Kommas getrennt, z. B. reports:read, inspections:write. Leer lassen für keine.",
  serviceUserNameHint: "Das System, für das er steht, z. B. Workato oder der nächtliche Export.",
  save: "Speichern",
  edit: "Bearbeiten",
  tokensButton: "Token",
  generateTokenFor: (name) => `Token für ${name} generieren`,
  editNamed: (name) => `${name} bearbeiten`,
  deleteNamed: (name) => `${name} löschen`,
  showTokensOf: (name) => `Token von ${name} anzeigen`,
  tokensOf: (name) => `Token von ${name}`,
  noServiceUserTokens: "Dieser Servicenutzer hat keine aktiven Token.",
  serviceTokensInUse: (active, limit) => `${active} von ${limit} Servicenutzer-Token dieser Organisation sind in Gebrauch.`,
  serviceLimitReached:
    "Die Organisation hat die Höchstzahl erreicht. Widerrufen Sie ein Servicenutzer-Token, das nicht mehr gebraucht wird, bevor Sie ein neues generieren.",
  serviceUserSecretIntro: "Das neue API-Token des Servicenutzers:",
  serviceUserNoPassword: "Servicenutzer-Token brauchen kein Passwort: Sie gehören dem Servicenutzer, nicht Ihnen.",
  deleteTitle: (name) => `„${name}“ löschen?`,
  deleteWarning: {
    one: "Sein # aktives Token wird ebenfalls widerrufen: Alles, was es verwendet, funktioniert sofort nicht mehr. Das lässt sich nicht rückgängig machen.",
    other:
      "Seine Token werden ebenfalls widerrufen (# aktiv): Alles, was sie verwendet, funktioniert sofort nicht mehr. Das lässt sich nicht rückgängig machen.",
  },
  delete: "Löschen",
  deleted: (name) => `„${name}“ wurde gelöscht und seine Token widerrufen.`,
  saved: (name) => `„${name}“ wurde gespeichert.`,
  organizationTokensIntro: "Alle aktiven Token der Organisation, von Personen und von Servicenutzern.",
  organizationTokensCaption: "Aktive Token der Organisation",
  columnKind: "Art",
  columnOwner: "Inhaber",
  kindUser: "Nutzer",
  kindServiceUser: "Servicenutzer",
  noOrganizationTokens: "Die Organisation hat keine aktiven Token.",
  activityIntro: "Was mit den Token und Servicenutzern der Organisation geschah, das Neueste zuerst.",
  activityCaption: "Aktivität",
  columnWhen: "Wann",
  columnWho: "Wer",
  columnWhat: "Was",
  columnWhy: "Warum",
  noActivity: "Bisher ist nichts geschehen.",
  system: "System",
  activityTokenCreated: (name) => `hat Token ${quoted(name, "(ohne Namen)")} erstellt`,
  activityTokenRevoked: (name) => `hat Token ${quoted(name, "(ohne Namen)")} widerrufen`,
  activityTokenExpired: (name) => `Token ${quoted(name, "(ohne Namen)")} ist abgelaufen`,
  activityTokenLogin: (name) => `hat sich mit Token ${quoted(name, "(ohne Namen)")} angemeldet`,
  activityTokenRotated: (name) => `hat Token ${quoted(name, "(ohne Namen)")} neu generiert`,
  activityServiceUserCreated: (name) => `hat Servicenutzer ${quoted(name, "(ohne Namen)")} angelegt`,
  activityServiceUserUpdated: (name) => `hat Servicenutzer ${quoted(name, "(ohne Namen)")} geändert`,
  activityServiceUserDeleted: (name) => `hat Servicenutzer ${quoted(name, "(ohne Namen)")} gelöscht`,
  activityUnknown: (action) => `hat etwas getan, das diese Seite noch nicht beschreiben kann (${action})`,
  reasonUserDeactivated: "Nutzer deaktiviert",
  reasonUserRemoved: "Nutzer aus der Organisation entfernt",
  reasonOrganizationDeleted: "Organisation gelöscht",
  reasonInactivity: "Inaktivität: 30 Tage ohne Nutzung",
  reasonLeaked: "als öffentlich geworden gemeldet",
  reasonRotated: "durch ein neu generiertes Token ersetzt",
  reasonServiceUserDeleted: "sein Servicenutzer wurde gelöscht",
  reasonSelf: "das Token hat sich selbst widerrufen",
  reasonOperator: "von einem Betreiber widerrufen",
  errorAdminForbidden: (permission) =>
    `Dafür brauchen Sie die Berechtigung „${permission}“ in dieser Organisation. Wenden Sie sich an einen Administrator der Organisation.`,
  errorServiceLimit: (limit) =>
    `Die Organisation hat bereits ${limit} aktive Servicenutzer-Token, mehr sind nicht erlaubt. Widerrufen Sie zuerst eines, das nicht mehr gebraucht wird (siehe Organisations-Token).`,
  errorAdminNotFound: "Das gibt es nicht mehr: Jemand hat es inzwischen gelöscht oder widerrufen.",
  errorPermissionsInvalid: "Diese Berechtigungen sind nicht möglich: höchstens 100, jede 1 bis 100 Zeichen lang, durch Kommas getrennt.",
};
