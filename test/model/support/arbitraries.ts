/** The arbitraries that draw the model-based test's commands, weighted. */
import fc from "fast-check";
import { PEOPLE, ORGS, ACCESS, ADMIN, ORG_NAMES, SERVICE_PERMISSIONS, type LifecycleEvent } from "./model.ts";

import { type Cmd, Deliver, Generate, GenerateServiceToken, GuessPasswords, Redeliver, Revoke } from "./commands.ts";
import { GRACES, Rotate, RunHourlyJob } from "./rotation-commands.ts";
import {
  Advance,
  CreateServiceUser,
  DeleteServiceUser,
  List,
  type ListKind,
  Login,
  Me,
  PatchServiceUser,
  Verify,
} from "./reading-commands.ts";

// ---- arbitraries -------------------------------------------------------------------------------------------

export const orgArb = fc.constantFrom(...ORGS);
export const personArb = fc.constantFrom(...PEOPLE);
export const timeArb = fc.integer({ min: 1, max: 60 });
export const indexArb = fc.nat({ max: 40 });
export const eventArb: fc.Arbitrary<LifecycleEvent> = fc
  .oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        type: fc.constant("upsert" as const),
        org: orgArb,
        user: fc.constantFrom("ann", "bob"),
        t: timeArb,
        access: fc.nat({ max: ACCESS.length - 1 }),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        type: fc.constantFrom("deactivate" as const, "reactivate" as const, "remove" as const),
        org: orgArb,
        user: fc.constantFrom("ann", "bob"),
        t: timeArb,
      }),
    },
    { weight: 1, arbitrary: fc.record({ type: fc.constant("organizationDeleted" as const), org: orgArb, t: timeArb }) },
    {
      weight: 1,
      arbitrary: fc.record({
        type: fc.constant("settingsChanged" as const),
        org: orgArb,
        t: timeArb,
        ssoEnforced: fc.boolean(),
        name: fc.option(fc.nat({ max: ORG_NAMES.length - 1 }), { nil: undefined }),
      }),
    },
  )
  .filter((e) => !("user" in e) || PEOPLE.some((p) => p.org === e.org && p.user === e.user));

export const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });
export const listArb: fc.Arbitrary<ListKind> = fc.oneof(
  w(
    3,
    personArb.map((p): ListKind => ({ list: "own", person: p })),
  ),
  w(
    1,
    fc.tuple(orgArb, indexArb).map(([o, s]): ListKind => ({ list: "serviceUser", org: o, su: s })),
  ),
  w(
    1,
    orgArb.map((o): ListKind => ({ list: "serviceUsers", org: o })),
  ),
  w(
    1,
    orgArb.map((o): ListKind => ({ list: "admin", org: o })),
  ),
);
export const commandArb: fc.Arbitrary<Cmd> = fc.oneof(
  // Events are the heart of it: drawn often, with times that collide and arrive out of order.
  w(
    6,
    eventArb.map((e) => new Deliver(e)),
  ),
  w(
    1,
    indexArb.map((i) => new Redeliver(i)),
  ),
  w(
    4,
    personArb.map((p) => new Generate(p)),
  ),
  w(
    1,
    fc
      .tuple(personArb, fc.integer({ min: 1, max: 6 }), fc.constantFrom("wrong" as const, "none" as const))
      .map(([p, n, pw]) => new GuessPasswords(p, n, pw)),
  ),
  w(
    1,
    fc.tuple(orgArb, indexArb).map(([o, s]) => new GenerateServiceToken(o, s)),
  ),
  w(
    1,
    fc.tuple(personArb, indexArb).map(([p, t]) => new Revoke({ route: "own", person: p }, t)),
  ),
  w(
    1,
    fc.tuple(orgArb, indexArb).map(([o, t]) => new Revoke({ route: "admin", org: o }, t)),
  ),
  w(
    2,
    fc
      .tuple(
        personArb,
        indexArb,
        fc.constantFrom(...GRACES),
        fc.constantFrom("right" as const, "right" as const, "wrong" as const),
        fc.boolean(),
      )
      .map(([p, t, g, pw, recent]) => new Rotate({ route: "own", person: p }, t, g, pw, recent)),
  ),
  w(
    1,
    fc
      .tuple(orgArb, indexArb, indexArb, fc.constantFrom(...GRACES))
      .map(([o, s, t, g]) => new Rotate({ route: "serviceUser", org: o, su: s }, t, g)),
  ),
  w(
    1,
    fc.tuple(orgArb, indexArb, indexArb).map(([o, s, t]) => new Revoke({ route: "serviceUser", org: o, su: s }, t)),
  ),
  w(
    1,
    fc.tuple(orgArb, fc.nat({ max: SERVICE_PERMISSIONS.length - 1 })).map(([o, p]) => new CreateServiceUser(o, p)),
  ),
  w(
    1,
    fc
      .tuple(orgArb, indexArb, fc.nat({ max: SERVICE_PERMISSIONS.length - 1 }), fc.boolean())
      .map(([o, s, p, n]) => new PatchServiceUser(o, s, p, n)),
  ),
  w(
    1,
    fc.tuple(orgArb, indexArb).map(([o, s]) => new DeleteServiceUser(o, s)),
  ),
  w(
    2,
    fc.tuple(indexArb, fc.constantFrom("none" as const, "own" as const, "other" as const)).map(([t, o]) => new Verify(t, o)),
  ),
  w(
    1,
    indexArb.map((t) => new Login(t)),
  ),
  w(
    3,
    listArb.map((l) => new List(l)),
  ),
  w(
    1,
    fc.constantFrom(30, 61, 3_600, 10 * 86_400, 29 * 86_400, 31 * 86_400).map((s) => new Advance(s)),
  ),
  w(
    2,
    fc.constantFrom("ann", "bob", ADMIN).map((user) => new Me(user)),
  ),
  w(
    1,
    fc.constant(null).map(() => new RunHourlyJob()),
  ),
);
