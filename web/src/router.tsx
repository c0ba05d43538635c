/** A small history router: the page's paths are real URLs (deep links work), moving between them loads nothing. */
import type { ComponentChildren, TargetedMouseEvent } from "preact";
import { useEffect, useState } from "preact/hooks";

const NAVIGATED = "api-tokens:navigated";

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  window.dispatchEvent(new Event(NAVIGATED));
}

/** The current path; re-renders on links, on back and forward. */
export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    window.addEventListener("popstate", update);
    window.addEventListener(NAVIGATED, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(NAVIGATED, update);
    };
  }, []);
  return path;
}

interface LinkProps {
  href: string;
  children?: ComponentChildren;
  class?: string;
  role?: "menuitem";
  tabIndex?: number;
  "aria-current"?: "page" | undefined;
  onClick?: (event: TargetedMouseEvent<HTMLAnchorElement>) => void;
  onKeyDown?: (event: KeyboardEvent) => void;
}

/** An ordinary link (opens in a new tab with a modifier key), followed in place otherwise. */
export function Link({ href, onClick, children, ...rest }: LinkProps) {
  return (
    <a
      {...rest}
      href={href}
      onClick={(event) => {
        onClick?.(event);
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}
