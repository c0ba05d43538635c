/**
 * One row per active token: the name as the row header, created, last used ("Never" until first use), expires
 * ("in N days", marked when under 7 days), and the Revoke button named after the token (UI.md).
 */
import type { Token } from "../api/client.ts";
import { useApp } from "../app-context.ts";
import { EXPIRY_WARNING_MS } from "../i18n/format.ts";

export function TokenTable({ tokens, onRevoke }: { tokens: readonly Token[]; onRevoke(token: Token): void }) {
  const { t, format, now } = useApp();
  const current = now();
  // Two rows of one name (a rotation keeps it) tell their buttons apart by the secret's last characters.
  const names = new Map<string, number>();
  for (const token of tokens) names.set(token.name, (names.get(token.name) ?? 0) + 1);
  const label = (token: Token) => ((names.get(token.name) ?? 0) > 1 ? `${token.name} (…${token.hint})` : token.name);

  return (
    <table class="tokens">
      <caption class="visually-hidden">{t.tableCaption}</caption>
      <thead>
        <tr>
          <th scope="col">{t.columnName}</th>
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
              <td data-label={t.columnExpires} class={soon ? "expires-soon" : undefined}>
                <time dateTime={token.expiresAt} title={format.dateTime(token.expiresAt)}>
                  {format.inFuture(expires, current)}
                </time>
                {soon && <span class="badge">{t.expiresSoon}</span>}
              </td>
              <td class="row-actions">
                <button type="button" class="danger-quiet" aria-label={t.revokeNamed(label(token))} onClick={() => onRevoke(token)}>
                  {t.revoke}
                </button>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
