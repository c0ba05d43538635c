/**
 * A local stand-in for EventBridge's `PutEvents` (AWS JSON 1.1), so the unchanged `EventBridgeClient` can publish
 * events that reach the same handlers, through the same patterns, as the rules in `infra/event-rules.ts`.
 */
import { randomUUID } from "node:crypto";
import { compileEventPattern, type EventMatcher } from "./event-pattern.ts";

export interface PlatformEvent {
  version: "0";
  id: string;
  "detail-type": string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export type PutEventsEntryResult = { event: PlatformEvent } | { errorCode: string; errorMessage: string };

export type PutEventsParseResult =
  | { ok: true; entries: PutEventsEntryResult[] }
  | { ok: false; status: number; body: { __type: string; message: string } };

export interface PutEventsParseOptions {
  clock?: { now(): Date };
  region?: string;
}

export const LOCAL_ACCOUNT_ID = "000000000000";
export const DEFAULT_LOCAL_REGION = "local";
const PUT_EVENTS_TARGET = "AWSEvents.PutEvents";
const MAX_ENTRIES = 10;
// EventBridge's limit on the summed entry sizes of one request.
const MAX_REQUEST_ENTRIES_BYTES = 256 * 1024;

export function parsePutEventsRequest(
  headers: Record<string, string | undefined>,
  body: string,
  options: PutEventsParseOptions = {},
): PutEventsParseResult {
  const clock = options.clock ?? { now: () => new Date() };
  const region = options.region ?? DEFAULT_LOCAL_REGION;

  const target = header(headers, "x-amz-target");
  if (target !== PUT_EVENTS_TARGET) {
    return fail("UnknownOperationException", `Operation ${target ?? "(missing X-Amz-Target)"} is not supported locally`);
  }

  let request: unknown;
  try {
    request = JSON.parse(body);
  } catch {
    return fail("SerializationException", "Request body is not valid JSON");
  }
  if (!isPlainObject(request)) return fail("SerializationException", "Request body must be a JSON object");
  const entries = request.Entries;
  if (entries === undefined || entries === null) {
    return fail(
      "ValidationException",
      "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
    );
  }
  if (!Array.isArray(entries)) return fail("SerializationException", "Entries must be a list");
  if (entries.length < 1 || entries.length > MAX_ENTRIES) {
    return fail(
      "ValidationException",
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${entries.length < 1 ? "greater than or equal to 1" : `less than or equal to ${MAX_ENTRIES}`}`,
    );
  }

  let totalBytes = 0;
  for (const entry of entries) {
    if (!isPlainObject(entry)) return fail("SerializationException", "Each entry must be a JSON object");
    for (const field of ["Source", "DetailType", "Detail", "EventBusName", "TraceHeader"] as const) {
      if (entry[field] !== undefined && entry[field] !== null && typeof entry[field] !== "string") {
        return fail("SerializationException", `${field} must be a string`);
      }
    }
    if (entry.Time !== undefined && entry.Time !== null && (typeof entry.Time !== "number" || !Number.isFinite(entry.Time))) {
      return fail("SerializationException", "Time must be a timestamp in epoch seconds");
    }
    const resources = entry.Resources;
    if (resources !== undefined && resources !== null && (!Array.isArray(resources) || !resources.every((r) => typeof r === "string"))) {
      return fail("SerializationException", "Resources must be a list of strings");
    }
    totalBytes += entrySize(entry);
  }
  if (totalBytes > MAX_REQUEST_ENTRIES_BYTES) {
    return fail("ValidationException", "Total size of the entries in the request is over the limit.");
  }

  return { ok: true, entries: entries.map((entry: Record<string, unknown>) => toEvent(entry, clock, region)) };
}

function toEvent(entry: Record<string, unknown>, clock: { now(): Date }, region: string): PutEventsEntryResult {
  const source = entry.Source as string | undefined | null;
  const detailType = entry.DetailType as string | undefined | null;
  const detailText = entry.Detail as string | undefined | null;
  // Checked in the order EventBridge reports them.
  if (!source) return invalidArgument("Source");
  if (!detailType) return invalidArgument("DetailType");
  if (!detailText) return invalidArgument("Detail");
  if (source.startsWith("aws.")) {
    return { errorCode: "NotAuthorizedForSourceException", errorMessage: "Not authorized for the source." };
  }
  let detail: unknown;
  try {
    detail = JSON.parse(detailText);
  } catch {
    detail = undefined;
  }
  if (!isPlainObject(detail)) return { errorCode: "MalformedDetail", errorMessage: "Detail is malformed." };

  const time = typeof entry.Time === "number" ? new Date(entry.Time * 1000) : clock.now();
  return {
    event: {
      version: "0",
      id: randomUUID(),
      "detail-type": detailType,
      source,
      account: LOCAL_ACCOUNT_ID,
      // EventBridge times have whole seconds.
      time: time.toISOString().replace(/\.\d{3}Z$/, "Z"),
      region,
      resources: Array.isArray(entry.Resources) ? [...(entry.Resources as string[])] : [],
      detail,
    },
  };
}

function invalidArgument(field: string): PutEventsEntryResult {
  return { errorCode: "InvalidArgument", errorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.` };
}

/** EventBridge's documented entry-size formula. */
function entrySize(entry: Record<string, unknown>): number {
  let size = entry.Time !== undefined && entry.Time !== null ? 14 : 0;
  for (const field of ["Source", "DetailType", "Detail"] as const) {
    const value = entry[field];
    if (typeof value === "string") size += Buffer.byteLength(value, "utf8");
  }
  if (Array.isArray(entry.Resources)) {
    for (const resource of entry.Resources as string[]) size += Buffer.byteLength(resource, "utf8");
  }
  return size;
}

function fail(type: string, message: string): PutEventsParseResult {
  return { ok: false, status: 400, body: { __type: type, message } };
}

function header(headers: Record<string, string | undefined>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export interface EventTarget {
  name: string;
  pattern: unknown;
  invoke(event: PlatformEvent): Promise<void>;
}

export interface LocalEventBusOptions {
  targets: EventTarget[];
  region?: string;
  clock: { now(): Date };
  log: (entry: Record<string, unknown>) => void;
  /** Delay before each retry of a failed invocation; after the last one the event is given up on. */
  retryDelaysMs?: number[];
  /** The events to keep, oldest first, for reading back (`published`): the service's own. */
  keep?: (event: PlatformEvent) => boolean;
}

export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [200, 1000, 5000, 30000];

/**
 * Routes accepted events to every target whose pattern matches. First invocations are awaited so a local
 * caller sees handler effects right after `PutEvents` returns; failures are retried in the background, as
 * EventBridge does, and never fail the put.
 */
export class LocalEventBus {
  private readonly targets: ReadonlyArray<EventTarget & { matches: EventMatcher }>;
  private readonly region: string;
  private readonly clock: { now(): Date };
  private readonly logSink: (entry: Record<string, unknown>) => void;
  private readonly retryDelaysMs: readonly number[];
  private readonly pending = new Set<Promise<void>>();
  private readonly kept: PlatformEvent[] = [];
  private readonly keep: (event: PlatformEvent) => boolean;
  private readonly sleepers = new Map<NodeJS.Timeout, (proceed: boolean) => void>();
  private closed = false;

  constructor(options: LocalEventBusOptions) {
    const names = new Set<string>();
    this.targets = options.targets.map((target) => {
      if (names.has(target.name)) throw new Error(`Duplicate event target name "${target.name}"`);
      names.add(target.name);
      try {
        return { ...target, matches: compileEventPattern(target.pattern) };
      } catch (error) {
        throw new Error(`Event target "${target.name}" has an invalid pattern: ${(error as Error).message}`, { cause: error });
      }
    });
    this.region = options.region ?? DEFAULT_LOCAL_REGION;
    this.clock = options.clock;
    this.logSink = options.log;
    this.retryDelaysMs = [...(options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS)];
    this.keep = options.keep ?? (() => false);
  }

  /** The kept events after the first `after`, and how many there are in all (the next `after`). */
  published(after: number): { events: PlatformEvent[]; total: number } {
    return { events: this.kept.slice(after).map((event) => structuredClone(event)), total: this.kept.length };
  }

  async handlePutEvents(headers: Record<string, string | undefined>, body: string): Promise<{ status: number; body: unknown }> {
    const parsed = parsePutEventsRequest(headers, body, { clock: this.clock, region: this.region });
    if (!parsed.ok) {
      this.log({ level: "warn", message: "PutEvents request rejected", errorType: parsed.body.__type, errorMessage: parsed.body.message });
      return { status: parsed.status, body: parsed.body };
    }

    const deliveries: Promise<void>[] = [];
    const results = parsed.entries.map((entry) => {
      if (!("event" in entry)) {
        this.log({ level: "warn", message: "PutEvents entry rejected", errorCode: entry.errorCode, errorMessage: entry.errorMessage });
        return { ErrorCode: entry.errorCode, ErrorMessage: entry.errorMessage };
      }
      const { event } = entry;
      if (this.keep(event)) this.kept.push(structuredClone(event));
      const matched = this.targets.filter((target) => target.matches(event as unknown as Record<string, unknown>));
      this.log({
        level: "info",
        message: "event accepted",
        eventId: event.id,
        source: event.source,
        detailType: event["detail-type"],
        targets: matched.map((target) => target.name),
      });
      for (const target of matched) deliveries.push(this.deliver(target, event));
      return { EventId: event.id };
    });
    await Promise.all(deliveries);

    const failed = results.filter((result) => "ErrorCode" in result).length;
    return { status: 200, body: { FailedEntryCount: failed, Entries: results } };
  }

  /** Resolves once no retry is pending (retries scheduled meanwhile included). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Cancels scheduled retries; their events are dropped. */
  close(): void {
    this.closed = true;
    for (const [timer, wake] of this.sleepers) {
      clearTimeout(timer);
      wake(false);
    }
    this.sleepers.clear();
  }

  private async deliver(target: EventTarget, event: PlatformEvent): Promise<void> {
    if (await this.attempt(target, event, 1)) return;
    const retries = this.retryLoop(target, event);
    this.pending.add(retries);
    void retries.finally(() => this.pending.delete(retries));
  }

  private async retryLoop(target: EventTarget, event: PlatformEvent): Promise<void> {
    for (const [index, delayMs] of this.retryDelaysMs.entries()) {
      if (!(await this.sleep(delayMs))) {
        this.log({ level: "warn", message: "event bus closed; retry cancelled", target: target.name, eventId: event.id });
        return;
      }
      if (await this.attempt(target, event, index + 2)) return;
    }
    this.log({
      level: "error",
      message: "event target failed after all retries; the event would go to the dead-letter queue",
      target: target.name,
      eventId: event.id,
      attempts: this.retryDelaysMs.length + 1,
    });
  }

  /** One invocation; true on success. Logs never include the detail, which may carry personal data. */
  private async attempt(target: EventTarget, event: PlatformEvent, attempt: number): Promise<boolean> {
    try {
      // Each target gets its own copy, as each receives its own serialized event in AWS.
      await target.invoke(structuredClone(event));
      if (attempt > 1)
        this.log({ level: "info", message: "event target succeeded on retry", target: target.name, eventId: event.id, attempt });
      return true;
    } catch (error) {
      const nextDelay = this.closed ? undefined : this.retryDelaysMs[attempt - 1];
      this.log({
        level: "warn",
        message: "event target failed",
        target: target.name,
        eventId: event.id,
        attempt,
        errorName: error instanceof Error ? error.name : typeof error,
        errorMessage: error instanceof Error ? error.message : "non-Error value thrown",
        ...(nextDelay === undefined ? {} : { retryInMs: nextDelay }),
      });
      return false;
    }
  }

  /** Resolves true after `ms`, or false if the bus is closed first. */
  private sleep(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleepers.delete(timer);
        resolve(true);
      }, ms);
      this.sleepers.set(timer, resolve);
    });
  }

  private log(entry: Record<string, unknown>): void {
    try {
      this.logSink(entry);
    } catch {
      // A broken log sink must not break event delivery.
    }
  }
}
