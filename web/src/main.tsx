/**
 * Start: read `/config.json`, finish a sign-in on the callback URL, sign in when there is no session (coming
 * back to the same place afterwards), then show the page.
 */
import { render } from "preact";
import type { SiteConfig } from "../site-config.ts";
import { createApi } from "./api/client.ts";
import { App, storedLanguage } from "./app.tsx";
import { Auth, CALLBACK_PATH } from "./auth/session.ts";
import { catalogs, languageFromBrowser } from "./i18n/messages.ts";
import "./styles.css";

async function start() {
  const root = document.getElementById("app")!;
  const language = storedLanguage() ?? languageFromBrowser(navigator.languages);
  document.documentElement.lang = language;
  const config = (await (await fetch("/config.json", { cache: "no-store" })).json()) as SiteConfig;
  const auth = new Auth(config, location.origin);
  const here = () => `${location.pathname}${location.search}`;

  if (location.pathname === CALLBACK_PATH) {
    try {
      history.replaceState(null, "", await auth.completeSignIn(new URL(location.href)));
    } catch {
      // A stale or replayed callback (back button, a second tab): say so, and offer a fresh sign-in.
      history.replaceState(null, "", "/");
      const t = catalogs[language];
      render(
        <main class="loading">
          <p role="alert">{t.errorSignIn}</p>
          <button type="button" class="primary" onClick={() => void auth.signIn("/", language)}>
            {t.signInAgain}
          </button>
        </main>,
        root,
      );
      return;
    }
  }
  if (!auth.session()) {
    await auth.signIn(here(), language);
    return;
  }
  const api = createApi({
    baseUrl: `${location.origin}${config.apiBase}`,
    session: () => auth.session()?.idToken,
    // The session ended mid-visit: sign in again and come back to this very page.
    onUnauthenticated: () => {
      auth.forget();
      void auth.signIn(here(), storedLanguage() ?? language);
    },
  });
  render(<App api={api} auth={auth} initialLanguage={language} />, root);
}

void start();
