/**
 * Nothing deployed moves: every logical id of the default app is the one in logical-ids.snapshot.json.
 *
 * CloudFormation replaces a resource whose logical id changes. For a table or the user pool that is a new,
 * empty one (the old one is retained, orphaned); for a function, a role or an alarm a replacement; for a log
 * group a retained orphan next to the new one. Refactoring the CDK code (new constructs, moved code) must
 * leave this list exactly as it is. If a change really means to add or remove resources, update the snapshot
 * in the same commit and say in its message which ids appear or disappear and why; never rename one silently.
 */
import { readFileSync } from "node:fs";
import { beforeAll, expect, test } from "vitest";
import { synthesizeShared, type SynthesizedTemplate } from "./synth.ts";

const snapshot = JSON.parse(readFileSync(new URL("./logical-ids.snapshot.json", import.meta.url), "utf8")) as {
  resources: Record<string, string>;
  outputs: string[];
};

let synthesized: SynthesizedTemplate;
beforeAll(() => {
  synthesized = synthesizeShared();
}, 180_000);

test("the default app's logical ids (resources with their types, and outputs) are exactly the snapshot's", () => {
  const json = synthesized.template.toJSON() as { Resources: Record<string, { Type: string }>; Outputs: Record<string, unknown> };
  const resources = Object.fromEntries(Object.entries(json.Resources).map(([id, resource]) => [id, resource.Type]));
  const sorted = (ids: string[]) => [...ids].sort();
  // Lists first, so a failure shows which ids appeared or disappeared.
  expect(sorted(Object.keys(resources))).toEqual(sorted(Object.keys(snapshot.resources)));
  expect(resources).toEqual(snapshot.resources);
  expect(sorted(Object.keys(json.Outputs))).toEqual(snapshot.outputs);
});
