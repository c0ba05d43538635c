/** A pop-up form's buttons: its submit (the primary action, off while the request runs), then Cancel. */
import { useApp } from "../app-context.ts";

export function FormActions({ submitLabel, busy, onCancel }: { submitLabel: string; busy: boolean; onCancel: () => void }) {
  const { t } = useApp();
  return (
    <div class="actions">
      <button type="submit" class="primary" disabled={busy}>
        {submitLabel}
      </button>
      <button type="button" onClick={onCancel}>
        {t.cancel}
      </button>
    </div>
  );
}
