import type { Clock } from "../../domain/ports.ts";

export const systemClock: Clock = { now: () => new Date() };

/**
 * A clock that only moves forward when told to, on top of the system clock, like a payment provider's test
 * clocks: the local server's `POST /local/clock` advances it so inactivity expiry can be tried at once.
 */
export class AdjustableClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(seconds: number): Date {
    this.offsetMs += seconds * 1000;
    return this.now();
  }

  get offsetSeconds(): number {
    return this.offsetMs / 1000;
  }

  setOffsetSeconds(seconds: number): void {
    this.offsetMs = seconds * 1000;
  }
}

/** One per process: the local server and the handler modules it runs share it (CLOCK=test only). */
export const testClock = new AdjustableClock();
