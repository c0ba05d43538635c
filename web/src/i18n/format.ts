/** Dates, relative times and plurals for a language, with `Intl` (no hand-written date or plural rules). */
import type { Language, Plural } from "./messages.ts";

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

export interface Formatter {
  /** "Nov 30, 2026" / "30.11.2026" */
  date(iso: string): string;
  /** "Nov 30, 2026, 10:05 AM" / "30.11.2026, 10:05" */
  dateTime(iso: string): string;
  /** "10:05 AM" / "10:05" */
  time(date: Date): string;
  /** A future moment: "in 3 days" / "in 3 Tagen", "in 5 hours", "in 2 minutes". */
  inFuture(target: Date, now: Date): string;
  /** A past moment: "3 days ago" / "vor 3 Tagen", "yesterday" / "gestern", "now" / "jetzt". */
  ago(past: Date, now: Date): string;
  plural(count: number, forms: Plural): string;
}

export function formatterFor(language: Language): Formatter {
  const locale = language === "de" ? "de-DE" : "en-US";
  const dates = new Intl.DateTimeFormat(locale, { dateStyle: "medium" });
  const dateTimes = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });
  const times = new Intl.DateTimeFormat(locale, { timeStyle: "short" });
  // UI.md wants "in N days", never "tomorrow", for expiry; the past reads better with "yesterday".
  const future = new Intl.RelativeTimeFormat(locale, { numeric: "always" });
  const past = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  const plurals = new Intl.PluralRules(locale);
  const numbers = new Intl.NumberFormat(locale);
  return {
    date: (iso) => dates.format(new Date(iso)),
    dateTime: (iso) => dateTimes.format(new Date(iso)),
    time: (date) => times.format(date),
    inFuture(target, now) {
      const ms = Math.max(0, target.getTime() - now.getTime());
      // Rounded: a token made a moment ago expires "in 30 days", whichever side of the second the clocks are.
      if (ms >= DAY_MS) return future.format(Math.round(ms / DAY_MS), "day");
      if (ms >= HOUR_MS) return future.format(Math.round(ms / HOUR_MS), "hour");
      return future.format(Math.max(1, Math.ceil(ms / MINUTE_MS)), "minute");
    },
    ago(then, now) {
      const ms = Math.max(0, now.getTime() - then.getTime());
      if (ms >= DAY_MS) return past.format(-Math.floor(ms / DAY_MS), "day");
      if (ms >= HOUR_MS) return past.format(-Math.floor(ms / HOUR_MS), "hour");
      if (ms >= MINUTE_MS) return past.format(-Math.floor(ms / MINUTE_MS), "minute");
      return past.format(0, "second");
    },
    plural: (count, forms) => forms[plurals.select(count) === "one" ? "one" : "other"].replace("#", numbers.format(count)),
  };
}

/** Under this much time left, the list warns that a token expires soon (the issue: "a warning under 7 days"). */
export const EXPIRY_WARNING_MS = 7 * DAY_MS;
