/** What every part of the page reads: the words and formats of the chosen language, the person, the API. */
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Api, Me, Organization } from "./api/client.ts";
import type { Auth } from "./auth/session.ts";
import type { Formatter } from "./i18n/format.ts";
import type { Language, Messages } from "./i18n/messages.ts";

export interface AppState {
  readonly language: Language;
  readonly t: Messages;
  readonly format: Formatter;
  setLanguage(language: Language): void;
  readonly api: Api;
  readonly auth: Auth;
  readonly me: Me;
  /** The person's display name: the platform's name for them, else their id. */
  readonly displayName: string;
  /** The organization chosen in the switcher (the only one when there is one); undefined with none. */
  readonly organization: Organization | undefined;
  setOrganization(orgId: string): void;
  /** The clock the page shows relative times against. */
  now(): Date;
}

export const AppContext = createContext<AppState | undefined>(undefined);

export function useApp(): AppState {
  const state = useContext(AppContext);
  if (!state) throw new Error("useApp outside the app");
  return state;
}
