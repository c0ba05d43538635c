/**
 * Step 1 of the help article: the person's name, bottom left, a menu button (WAI-ARIA menu button pattern):
 * Enter, Space or ArrowDown open it on the first item; arrows move; Escape closes it and returns focus.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { useApp } from "../app-context.ts";
import { PATHS } from "../pages/profile-pages.tsx";
import { Link } from "../router.tsx";

export function AccountMenu() {
  const { t, displayName, auth } = useApp();
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const items = () => [...(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];

  const close = (returnFocus: boolean) => {
    setOpen(false);
    if (returnFocus) button.current?.focus();
  };

  useEffect(() => {
    if (!open) return;
    items()[0]?.focus();
    const outside = (event: PointerEvent) => {
      if (!menu.current?.contains(event.target as Node) && !button.current?.contains(event.target as Node)) close(false);
    };
    document.addEventListener("pointerdown", outside);
    return () => document.removeEventListener("pointerdown", outside);
  }, [open]);

  function onMenuKey(event: KeyboardEvent) {
    const all = items();
    const at = all.indexOf(document.activeElement as HTMLElement);
    const move = (index: number) => {
      event.preventDefault();
      all[(index + all.length) % all.length]?.focus();
    };
    if (event.key === "ArrowDown") move(at + 1);
    else if (event.key === "ArrowUp") move(at - 1);
    else if (event.key === "Home") move(0);
    else if (event.key === "End") move(all.length - 1);
    else if (event.key === "Escape") {
      event.preventDefault();
      close(true);
    } else if (event.key === "Tab") close(false);
  }

  return (
    <div class="account">
      <button
        ref={button}
        type="button"
        class="account-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls="account-menu"
        onClick={() => setOpen(!open)}
        onKeyDown={(event) => {
          if (event.key === "ArrowDown" || event.key === "ArrowUp") {
            event.preventDefault();
            setOpen(true);
          }
        }}
      >
        {displayName}
      </button>
      <div ref={menu} id="account-menu" role="menu" aria-label={t.accountMenu} class="menu" hidden={!open} onKeyDown={onMenuKey}>
        <Link href={PATHS.profile} role="menuitem" tabIndex={-1} onClick={() => close(false)}>
          {t.myProfile}
        </Link>
        <button type="button" role="menuitem" tabIndex={-1} onClick={() => auth.signOut()}>
          {t.signOut}
        </button>
      </div>
    </div>
  );
}
