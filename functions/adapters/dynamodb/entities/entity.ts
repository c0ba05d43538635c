/**
 * What every stored entity module says about its items (electrodb's idea, without the library): the key
 * (built in keys.ts, the one place for keys), the item's `type`, its attribute names, and the mapping from
 * the domain's record to the item and back. Adapters build expressions from these and nothing else.
 */
export type Item = Record<string, unknown>;

export interface Entity<TRecord> {
  /** The item's `type` attribute: which entity an item of the shared table is. */
  readonly type: string;
  toItem(record: TRecord): Item;
  fromItem(item: Item): TRecord;
}

/** The attribute every versioned item carries: optimistic writes are conditioned on it. */
export const VERSION = "version";
