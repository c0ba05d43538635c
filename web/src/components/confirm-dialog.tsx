/**
 * A confirmation before something that cannot be undone (revoking a token, deleting a service user): an
 * `alertdialog` whose Cancel has the focus, so Enter alone never confirms. A `not_found` answer means someone
 * else did it first: the pop-up closes as done.
 */
import { useRef, useState } from "preact/hooks";
import { ApiError } from "../api/client.ts";
import { useApp } from "../app-context.ts";
import { ErrorAlert } from "./alert.tsx";
import { Modal } from "./modal.tsx";

export interface ConfirmDialogProps {
  title: string;
  warning: string;
  /** The confirming button's words ("Revoke", "Delete"). */
  confirmLabel: string;
  action(): Promise<unknown>;
  describeError(failure: unknown): string;
  /** Closed; `done` says whether the thing is gone (also when someone else did it first). */
  onClose(done: boolean): void;
  fallbackFocus(): HTMLElement | null | undefined;
}

export function ConfirmDialog({ title, warning, confirmLabel, action, describeError, onClose, fallbackFocus }: ConfirmDialogProps) {
  const { t } = useApp();
  const cancel = useRef<HTMLButtonElement>(null);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function confirm() {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      onClose(true);
    } catch (failure) {
      if (failure instanceof ApiError && failure.code === "not_found") return onClose(true);
      setError(describeError(failure));
      setBusy(false);
    }
  }

  return (
    <Modal
      role="alertdialog"
      labelledBy="confirm-title"
      describedBy="confirm-warning"
      onClose={() => onClose(false)}
      initialFocus={cancel}
      fallbackFocus={fallbackFocus}
    >
      <h2 id="confirm-title">{title}</h2>
      <p id="confirm-warning">{warning}</p>
      <ErrorAlert message={error} />
      <div class="actions">
        <button type="button" class="danger" onClick={confirm} disabled={busy}>
          {confirmLabel}
        </button>
        <button ref={cancel} type="button" onClick={() => onClose(false)}>
          {t.cancel}
        </button>
      </div>
    </Modal>
  );
}
