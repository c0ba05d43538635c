/**
 * A list that grows page by page (API.md: `limit`, `cursor`, `nextCursor`): the first page on load and when the
 * organization changes, "Load more" for the next, and local changes (a revoked row goes) without reloading.
 */
import { useEffect, useRef, useState } from "preact/hooks";

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type PagedList<T> = {
  readonly items: readonly T[];
  /** The first page is on its way (or failed: `error`). */
  readonly loading: boolean;
  readonly loadingMore: boolean;
  readonly hasMore: boolean;
  /** The failure of the last request, in words. */
  readonly error: string | undefined;
  loadMore(): Promise<number>;
  /** Fetches again from the first page, as many rows as are shown now (at least a page). */
  reload(): Promise<void>;
  update(change: (items: readonly T[]) => T[]): void;
};

const PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 200;

export function usePagedList<T>(
  fetchPage: (paging: { limit: number; cursor?: string }) => Promise<Page<T>>,
  describeError: (failure: unknown) => string,
  key: string | undefined,
): PagedList<T> {
  const [items, setItems] = useState<readonly T[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string | undefined>();
  // Answers for an organization no longer chosen are dropped.
  const generation = useRef(0);
  const shown = useRef(0);
  shown.current = items.length;

  async function first(limit: number) {
    const mine = ++generation.current;
    try {
      const page = await fetchPage({ limit });
      if (mine !== generation.current) return;
      setItems(page.items);
      setNextCursor(page.nextCursor);
      setError(undefined);
    } catch (failure) {
      if (mine === generation.current) setError(describeError(failure));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }

  useEffect(() => {
    if (key === undefined) return;
    setItems([]);
    setNextCursor(null);
    setLoading(true);
    setError(undefined);
    void first(PAGE_SIZE);
  }, [key]);

  return {
    items,
    loading,
    loadingMore,
    hasMore: nextCursor !== null,
    error,
    async loadMore() {
      if (nextCursor === null) return 0;
      const mine = generation.current;
      setLoadingMore(true);
      try {
        const page = await fetchPage({ limit: PAGE_SIZE, cursor: nextCursor });
        if (mine !== generation.current) return 0;
        setItems((current) => [...current, ...page.items]);
        setNextCursor(page.nextCursor);
        setError(undefined);
        return page.items.length;
      } catch (failure) {
        if (mine === generation.current) setError(describeError(failure));
        return 0;
      } finally {
        setLoadingMore(false);
      }
    },
    reload: () => first(Math.min(MAX_PAGE_SIZE, Math.max(PAGE_SIZE, shown.current))),
    update(change) {
      setItems((current) => change(current));
    },
  };
}
