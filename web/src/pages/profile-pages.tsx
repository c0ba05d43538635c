/**
 * The steps before the tokens page, as the help article walks them: the person's name → My profile →
 * Settings (top right) → API tokens (top right). Each is a real path, so a deep link lands on it directly.
 */
import { useApp } from "../app-context.ts";
import { Link, usePath } from "../router.tsx";

export const PATHS = {
  home: "/",
  profile: "/profile",
  settings: "/profile/settings",
  apiTokens: "/profile/settings/api-tokens",
} as const;

function NavLink({ href, children }: { href: string; children: string }) {
  const path = usePath();
  return (
    <Link href={href} class="tab" aria-current={path === href ? "page" : undefined}>
      {children}
    </Link>
  );
}

/** Top right of the profile pages: its overview and Settings. */
export function ProfileNavigation() {
  const { t } = useApp();
  return (
    <nav class="sub-navigation" aria-label={t.profileNavigation}>
      <NavLink href={PATHS.profile}>{t.overview}</NavLink>
      <NavLink href={PATHS.settings}>{t.settings}</NavLink>
    </nav>
  );
}

/** Top right of the settings pages: API tokens. */
export function SettingsNavigation() {
  const { t } = useApp();
  return (
    <nav class="sub-navigation" aria-label={t.settingsNavigation}>
      <NavLink href={PATHS.apiTokens}>{t.apiTokens}</NavLink>
    </nav>
  );
}

export function HomePage() {
  const { t, displayName } = useApp();
  return (
    <>
      <header class="page-header">
        <h1 tabIndex={-1}>{t.home}</h1>
      </header>
      <p class="intro">{t.homeIntro(displayName)}</p>
    </>
  );
}

export function ProfilePage() {
  const { t, displayName, me } = useApp();
  return (
    <>
      <header class="page-header">
        <h1 tabIndex={-1}>{t.myProfile}</h1>
        <ProfileNavigation />
      </header>
      <p class="intro">{t.profileIntro}</p>
      <dl class="facts">
        <dt>{t.profileName}</dt>
        <dd>{displayName}</dd>
        <dt>{t.profileId}</dt>
        <dd>{me.user.id}</dd>
      </dl>
    </>
  );
}

export function SettingsPage() {
  const { t } = useApp();
  return (
    <>
      <header class="page-header">
        <h1 tabIndex={-1}>{t.settings}</h1>
        <SettingsNavigation />
      </header>
      <ProfileNavigation />
      <p class="intro">{t.settingsIntro}</p>
    </>
  );
}

export function NotFoundPage() {
  const { t } = useApp();
  return (
    <>
      <header class="page-header">
        <h1 tabIndex={-1}>{t.notFoundTitle}</h1>
      </header>
      <p>{t.notFoundText}</p>
      <p>
        <Link href={PATHS.home}>{t.home}</Link>
      </p>
    </>
  );
}
