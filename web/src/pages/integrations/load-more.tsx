/**
 * "Load more" under a long list: the next page joins the rows, a `status` says how many came. When it was the
 * last page the button goes; focus then moves to the list, never to the top of the page.
 */
import type { RefObject } from "preact";
import { useState } from "preact/hooks";
import { useApp } from "../../app-context.ts";
import type { PagedList } from "./use-paged-list.ts";

export function LoadMore<T>({ list, afterLast }: { list: PagedList<T>; afterLast: RefObject<HTMLElement | null> }) {
  const { t, format } = useApp();
  const [announcement, setAnnouncement] = useState("");
  return (
    <>
      {list.hasMore && (
        <div class="actions">
          <button
            type="button"
            disabled={list.loadingMore}
            onClick={async () => {
              const count = await list.loadMore();
              setAnnouncement(count > 0 ? format.plural(count, t.loadedMore) : "");
              queueMicrotask(() => {
                if (!document.activeElement || document.activeElement === document.body) afterLast.current?.focus();
              });
            }}
          >
            {t.loadMore}
          </button>
        </div>
      )}
      <p role="status" class="status">
        {announcement}
      </p>
    </>
  );
}
