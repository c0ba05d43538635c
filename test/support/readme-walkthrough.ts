/**
 * README.md's curl walk-through ("Try it: a curl walk-through" and its "Service users, …" subsection), read
 * as a script with checks. The rules of its `# →` lines:
 *
 * - `# → TEXT` shows everything the commands since the previous `# →` line print (compared trimmed), so a
 *   command that prints something no comment shows is an error too. Comment lines right after it that start
 *   with `#` and at least two spaces continue TEXT (joined without a space: they split long JSON).
 * - `…` in TEXT stands for any characters (ids, secrets, times: what differs from run to run).
 * - `A or B`: either. A first run, on a fresh server, prints A; a later run against the same data may print B.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

export const README = resolve(import.meta.dirname, "../../README.md");
export const SECTION = "## Try it: a curl walk-through";
export const API_LINE = "API=http://127.0.0.1:3000";
/** Printed where each `# →` line was, to cut the output into what each check shows. */
export const MARK = "@@readme-walkthrough-check@@";

export interface Check {
  /** 1-based line of the `# →` in README.md, for messages. */
  readonly readmeLine: number;
  readonly expected: string;
  readonly alternatives: readonly RegExp[];
}

export interface Walkthrough {
  /** The blocks' commands, with a marker printed where each `# →` line was. */
  readonly body: string;
  readonly checks: readonly Check[];
  /** The lines a shell runs (not comments), for the placeholder check. */
  readonly commandLines: readonly string[];
}

/** `…` matches anything; everything else literally. */
const toPattern = (text: string) =>
  new RegExp(
    `^${text
      .split("…")
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join("[\\s\\S]*?")}$`,
  );

/** Reads the walk-through's ```sh blocks (from its heading to the next `## ` heading) out of the README. */
export function parseWalkthrough(markdown: string = readFileSync(README, "utf8")): Walkthrough {
  const lines = markdown.split("\n");
  const start = lines.indexOf(SECTION);
  if (start < 0) throw new Error(`README.md has no "${SECTION}" heading`);
  let end = lines.findIndex((line, i) => i > start && line.startsWith("## "));
  if (end < 0) end = lines.length;

  const body: string[] = [];
  const checks: Check[] = [];
  const commandLines: string[] = [];
  let inBlock = false;
  for (let i = start + 1; i < end; i++) {
    const line = lines[i]!;
    if (!inBlock) {
      if (line === "```sh") inBlock = true;
      continue;
    }
    if (line === "```") {
      inBlock = false;
      continue;
    }
    const arrow = /^# → (.+)$/.exec(line);
    if (!arrow) {
      body.push(line);
      if (!/^\s*(#|$)/.test(line)) commandLines.push(line);
      continue;
    }
    if (body.at(-1)?.endsWith("\\")) throw new Error(`README.md:${i + 1}: a "# →" line inside a continued command`);
    const readmeLine = i + 1;
    let expected = arrow[1]!.trim();
    while (i + 1 < end && /^# {2,}\S/.test(lines[i + 1]!)) expected += lines[++i]!.slice(1).trim();
    body.push(`printf '\\n${MARK}\\n'`);
    checks.push({ readmeLine, expected, alternatives: expected.split(" or ").map(toPattern) });
  }
  if (inBlock) throw new Error("README.md: a ```sh block of the walk-through is not closed");
  return { body: body.join("\n"), checks, commandLines };
}
