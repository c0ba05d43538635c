/** The confirmation before a token is revoked (a person's own, a service user's, or any in the organization view). */
import { errorWords } from "../api/error-words.ts";
import type { Token } from "../api/client.ts";
import { useApp } from "../app-context.ts";
import { ConfirmDialog } from "./confirm-dialog.tsx";

export interface RevokeDialogProps {
  token: Token;
  revoke(token: Token): Promise<unknown>;
  /** `admin`: an admin route revokes (its errors name the admin permission). */
  scope?: "own" | "admin";
  /** Closed; `revoked` says whether the token is gone (also when someone else revoked it first). */
  onClose(revoked: boolean): void;
  fallbackFocus(): HTMLElement | null | undefined;
}

export function RevokeDialog({ token, revoke, scope = "own", onClose, fallbackFocus }: RevokeDialogProps) {
  const { t, format, now } = useApp();
  return (
    <ConfirmDialog
      title={t.revokeTitle(token.name)}
      warning={t.revokeWarning}
      confirmLabel={t.revoke}
      action={() => revoke(token)}
      describeError={(failure) => errorWords(failure, { t, format, now: now(), scope })}
      onClose={onClose}
      fallbackFocus={fallbackFocus}
    />
  );
}
