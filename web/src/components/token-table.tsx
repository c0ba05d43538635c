/**
 * One row per active token: the name as the row header, created, last used ("Never" until first use), expires
 * ("in N days", marked when under 7 days), and the Revoke button named after the token (UI.md). The
 * organization-wide view adds each token's kind and owner.
 */
import type { Token } from "../api/client.ts";
import { useApp } from "../app-context.ts";
import { EXPIRY_WARNING_MS } from "../i18n/format.ts";

export interface TokenTableProps<T extends Token> {
  tokens: readonly T[];
  onRevoke(token: T): void;
  /** A person's own tokens: "Regenerate" on each that is not itself replaced already (in a rotation's grace). */
  onRegenerate?(token: T): void;
  /** Read by screen readers; the person's own tokens unless given. */
  caption?: string;
  /** Kind and owner columns (the organization-wide view). */
  withOwner?: boolean;
}

export function TokenTable<T extends Token>({ tokens, onRevoke, onRegenerate, caption, withOwner = false }: TokenTableProps<T>) {
  const { t, format, now } = useApp();
  const current = now();
  // Two rows of one name (a rotation keeps it) tell their buttons apart by the secret's last characters.
  const names = new Map<string, number>();
  for (const token of tokens) names.set(token.name, (names.get(token.name) ?? 0) + 1);
  const label = (token: Token) => ((names.get(token.name) ?? 0) > 1 ? `${token.name} (…${token.hint})` : token.name);

  return (
    <table class="tokens">
      <caption class="visually-hidden">{caption ?? t.tableCaption}</caption>
      <thead>
        <tr>
          <th scope="col">{t.columnName}</th>
          {withOwner && <th scope="col">{t.columnKind}</th>}
          {withOwner && <th scope="col">{t.columnOwner}</th>}
          <th scope="col">{t.columnCreated}</th>
          <th scope="col">{t.columnLastUsed}</th>
          <th scope="col">{t.columnExpires}</th>
          <th scope="col">
            <span class="visually-hidden">{t.columnActions}</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {tokens.map((token) => {
          const expires = new Date(token.expiresAt);
          const soon = expires.getTime() - current.getTime() < EXPIRY_WARNING_MS;
          return (
            <tr key={token.id}>
              <th scope="row" class="token-name">
                {token.name}
              </th>
              {withOwner && <td data-label={t.columnKind}>{token.kind === "service_user" ? t.kindServiceUser : t.kindUser}</td>}
              {withOwner && (
                <td data-label={t.columnOwner} class="wrap">
                  {"ownerName" in token && typeof token.ownerName === "string" ? token.ownerName : token.ownerId}
                </td>
              )}
              <td data-label={t.columnCreated}>
                <time dateTime={token.createdAt}>{format.date(token.createdAt)}</time>
              </td>
              <td data-label={t.columnLastUsed}>
                {token.lastUsedAt ? (
                  <time dateTime={token.lastUsedAt} title={format.dateTime(token.lastUsedAt)}>
                    {format.ago(new Date(token.lastUsedAt), current)}
                  </time>
                ) : (
                  t.never
                )}
              </td>
              <td data-label={t.columnExpires} class={soon && !token.graceEndsAt ? "expires-soon" : undefined}>
                {token.graceEndsAt ? (
                  // Replaced by a rotation: it stops when its grace ends, whatever its inactivity expiry says.
                  <span class="badge grace">{t.replacedUntil(format.dateTime(token.graceEndsAt))}</span>
                ) : (
                  <>
                    <time dateTime={token.expiresAt} title={format.dateTime(token.expiresAt)}>
                      {format.inFuture(expires, current)}
                    </time>
                    {soon && <span class="badge">{t.expiresSoon}</span>}
                  </>
                )}
              </td>
              <td class="row-actions">
                <div class="row-buttons">
                  {onRegenerate && !token.graceEndsAt && (
                    <button type="button" aria-label={t.regenerateNamed(label(token))} onClick={() => onRegenerate(token)}>
                      {t.regenerate}
                    </button>
                  )}
                  <button type="button" class="danger-quiet" aria-label={t.revokeNamed(label(token))} onClick={() => onRevoke(token)}>
                    {t.revoke}
                  </button>
                </div>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
