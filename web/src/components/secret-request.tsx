/**
 * What the pop-ups that make a token share (generate, regenerate): the request's state (busy, the error in
 * words, the secret once it came), the password emptied after every failure, and the password field or, where
 * none is needed, the note that says why.
 */
import { useState } from "preact/hooks";
import type { CreatedToken } from "../api/client.ts";
import { useApp } from "../app-context.ts";
import { TextField } from "./text-field.tsx";

export function useSecretRequest(describeError: (failure: unknown) => string) {
  const [secret, setSecret] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  return {
    secret,
    error,
    busy,
    setError,
    /** Runs the request from the form; on success the form is reset and the secret shown, once. */
    async send(form: HTMLFormElement, request: () => Promise<CreatedToken>) {
      setBusy(true);
      setError(undefined);
      try {
        const created = await request();
        form.reset();
        setSecret(created.secret);
      } catch (failure) {
        // The password is never kept longer than one attempt.
        const field = form.elements.namedItem("password");
        if (field instanceof HTMLInputElement) field.value = "";
        setError(describeError(failure));
      } finally {
        setBusy(false);
      }
    },
    /** The secret goes with the pop-up: nothing kept. Returns whether a token was made. */
    forget(): boolean {
      const made = secret !== undefined;
      setSecret(undefined);
      return made;
    },
  };
}

export function PasswordOrNote({ id, needsPassword, noPasswordNote }: { id: string; needsPassword: boolean; noPasswordNote: string }) {
  const { t } = useApp();
  return needsPassword ? (
    <TextField id={id} name="password" type="password" label={t.password} hint={t.passwordHint} autocomplete="current-password" />
  ) : (
    <p class="hint">{noPasswordNote}</p>
  );
}
