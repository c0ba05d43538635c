/** The confirmation before a token is revoked: Cancel has the focus, so Enter alone never revokes. */
import { useRef, useState } from "preact/hooks";
import { errorWords } from "../api/error-words.ts";
import type { Token } from "../api/client.ts";
import { ApiError } from "../api/client.ts";
import { useApp } from "../app-context.ts";
import { ErrorAlert } from "./alert.tsx";
import { Modal } from "./modal.tsx";

export interface RevokeDialogProps {
  token: Token;
  revoke(token: Token): Promise<void>;
  /** Closed; `revoked` says whether the token is gone (also when someone else revoked it first). */
  onClose(revoked: boolean): void;
  fallbackFocus(): HTMLElement | null | undefined;
}

export function RevokeDialog({ token, revoke, onClose, fallbackFocus }: RevokeDialogProps) {
  const { t, format, now } = useApp();
  const cancel = useRef<HTMLButtonElement>(null);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function confirm() {
    setBusy(true);
    setError(undefined);
    try {
      await revoke(token);
      onClose(true);
    } catch (failure) {
      // Already revoked or expired elsewhere: the row goes either way.
      if (failure instanceof ApiError && failure.code === "not_found") return onClose(true);
      setError(errorWords(failure, { t, format, now: now() }));
      setBusy(false);
    }
  }

  return (
    <Modal
      role="alertdialog"
      labelledBy="revoke-title"
      describedBy="revoke-warning"
      onClose={() => onClose(false)}
      initialFocus={cancel}
      fallbackFocus={fallbackFocus}
    >
      <h2 id="revoke-title">{t.revokeTitle(token.name)}</h2>
      <p id="revoke-warning">{t.revokeWarning}</p>
      <ErrorAlert message={error} />
      <div class="actions">
        <button type="button" class="danger" onClick={confirm} disabled={busy}>
          {t.revoke}
        </button>
        <button ref={cancel} type="button" onClick={() => onClose(false)}>
          {t.cancel}
        </button>
      </div>
    </Modal>
  );
}
