/**
 * A pop-up on the native `<dialog>` shown modally: the browser makes the rest of the page inert (focus stays
 * inside) and Escape cancels. Focus moves to `initialFocus` on opening and back to where it was on closing.
 */
import type { ComponentChildren, RefObject } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";

export interface ModalProps {
  /** The id of the heading that names the pop-up. */
  labelledBy: string;
  describedBy?: string;
  /** `alertdialog` for confirmations that interrupt (UI.md allows either for revoke). */
  role?: "dialog" | "alertdialog";
  /** Escape, or the page asks it to close: the owner decides what closing means (e.g. forgetting a secret). */
  onClose(): void;
  initialFocus?: RefObject<HTMLElement | null>;
  /** Where focus goes afterwards when the element that opened it is gone (e.g. a revoked row's button). */
  fallbackFocus?: () => HTMLElement | null | undefined;
  children: ComponentChildren;
}

export function Modal({ labelledBy, describedBy, role = "dialog", onClose, initialFocus, fallbackFocus, children }: ModalProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  // Taken at the first render, right after the click or key that opened it: focus returns there.
  const [opener] = useState(() => (document.activeElement instanceof HTMLElement ? document.activeElement : null));
  const closeRef = useRef(onClose);
  closeRef.current = onClose;
  const fallbackRef = useRef(fallbackFocus);
  fallbackRef.current = fallbackFocus;

  useEffect(() => {
    const element = dialog.current!;
    element.showModal();
    (initialFocus?.current ?? element.querySelector<HTMLElement>("input, button, [tabindex]"))?.focus();
    const cancel = (event: Event) => {
      event.preventDefault();
      closeRef.current();
    };
    element.addEventListener("cancel", cancel);
    return () => {
      element.removeEventListener("cancel", cancel);
      if (element.open) element.close();
      // After this render has been committed: the opener may be gone with it (a revoked row's button).
      queueMicrotask(() => (opener?.isConnected ? opener : fallbackRef.current?.())?.focus());
    };
  }, []);

  return (
    <dialog ref={dialog} class="modal" role={role} aria-modal="true" aria-labelledby={labelledBy} aria-describedby={describedBy}>
      {children}
    </dialog>
  );
}
