import { InvalidCursor } from "../../domain/errors.ts";
import type { Page } from "../../domain/model.ts";
import { cursorKey, openCursor, sealCursor } from "./cursors.ts";
import type { Item } from "./entities/entity.ts";
import type { Key } from "./keys.ts";
import type { QueryInput, StoreTable } from "./table.ts";

/** A list the store pages through: its query, and how its positions are read and resumed from. */
export interface ListSpec<T> {
  /** The list's name in domain terms, bound into its cursors (never a table or index name). */
  readonly list: "service-users" | "admin-tokens" | "activity";
  readonly orgId: string;
  readonly query: Omit<QueryInput, "Limit" | "ExclusiveStartKey">;
  readonly convert: (item: Item) => T;
  /** An item's place in the list's order, in domain terms (its sort values): what a cursor carries. */
  readonly position: (item: T) => string[];
  /** The query's start key after a position (built in keys.ts). */
  readonly startKey: (position: readonly string[]) => Key;
  readonly positionLength: number;
}

/** Once a page shows an item, it stops reading on after this many queries. */
const FILL_READS = 8;
/** The largest read when items are being left out (DynamoDB caps a query at 1 MB anyway). */
const MAX_BATCH = 200;

/** Pages through the lists, sealing each page's cursor with the deployment's key. */
export class Pager {
  private cursorKeyBytes: Buffer | undefined;

  constructor(
    private readonly table: StoreTable,
    /**
     * The secret that seals list cursors (config `CURSOR_KEY`, at least 32 characters). Only the functions
     * that page through lists are given it; paging refuses to run without it.
     */
    private readonly cursorSecret: string | undefined,
  ) {}

  /**
   * One page of a list. It reads until it holds one item more than the page (so the last page says
   * `nextCursor: null` instead of leaving the caller an empty page to fetch), reading on past DynamoDB's
   * 1 MB per query and past the items `visible` leaves out (expired tokens), so a page is only ever short
   * or empty when it is the last. Reading on is bounded: once the page shows an item, after `FILL_READS`
   * queries it ends where reading stopped. Before it shows one, it reads on to the first item to show or
   * the end: only items `visible` leaves out can be passed there (expired tokens, each recorded as it is
   * found, which takes it out of the index), so no request does that work again.
   *
   * The cursor is the position of the last item the page went past, sealed for this list and organization.
   */
  async page<T>(
    list: ListSpec<T>,
    limit: number,
    cursor: string | undefined,
    visible?: (items: readonly T[]) => Promise<readonly T[]>,
  ): Promise<Page<T>> {
    const sealing = this.cursorSealing();
    let startKey: Item | undefined =
      cursor === undefined ? undefined : list.startKey(openCursor(sealing, cursor, list.list, list.orgId, list.positionLength));
    const shown: T[] = [];
    let passed: T | undefined;
    const cursorAfter = (item: T) => sealCursor(sealing, list.list, list.orgId, list.position(item));
    let batch = limit + 1;
    for (let reads = 1; ; reads++) {
      const items = await this.query(list, batch, startKey, cursor !== undefined && reads === 1);
      const converted = items.Items.map(list.convert);
      const kept = new Set(visible ? await visible(converted) : converted);
      for (const item of converted) {
        if (kept.has(item)) {
          // One more than the page: there is a next page, and it starts after what this one went past.
          if (shown.length === limit) return { items: shown, nextCursor: cursorAfter(passed!) };
          shown.push(item);
        }
        passed = item;
      }
      if (!items.LastEvaluatedKey) return { items: shown, nextCursor: null };
      if (shown.length > 0 && reads >= FILL_READS) return { items: shown, nextCursor: cursorAfter(passed!) };
      startKey = items.LastEvaluatedKey;
      // Items left out call for larger reads (up to a cap); otherwise read what the page still needs.
      const needed = limit - shown.length + 1;
      batch = kept.size < converted.length ? Math.min(MAX_BATCH, Math.max(needed, batch * 2)) : needed;
    }
  }

  private async query<T>(list: ListSpec<T>, limit: number, startKey: Item | undefined, fromCursor: boolean) {
    try {
      return await this.table.query({ ...list.query, Limit: limit, ExclusiveStartKey: startKey });
    } catch (error) {
      // Defence in depth: a start key rebuilt from a cursor that DynamoDB will not take is the caller's error.
      if (fromCursor && error instanceof Error && error.name === "ValidationException") throw new InvalidCursor();
      throw error;
    }
  }

  /** The HMAC key for cursors, derived once from the configured secret. */
  private cursorSealing(): Buffer {
    this.cursorKeyBytes ??= cursorKey(this.cursorSecret);
    return this.cursorKeyBytes;
  }
}
