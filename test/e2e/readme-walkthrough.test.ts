/**
 * The README's curl walk-through runs as pasted. Its ```sh blocks (test/support/readme-walkthrough.ts reads
 * them, and says what a `# →` line means) are fed, as they are, to a shell on stdin against a real local
 * server, and every `# →` line must show what the commands before it printed. The only change made to them:
 * the `API=http://127.0.0.1:3000` line points at this test's server. The script runs with `set -eu` (and
 * `pipefail` in bash), so a command that fails stops it. The first run is bash on a fresh start; the second,
 * against the same data (the README says it can run again), is `sh` (dash on Debian: POSIX only), then zsh
 * if it is installed.
 */
import { execFileSync, spawn } from "node:child_process";
import { describe, expect, test } from "vitest";
import { API_LINE, MARK, parseWalkthrough } from "../support/readme-walkthrough.ts";
import { useLocalService } from "./e2e-support.ts";

/** Feeds the script to the shell on stdin, as a paste would. */
function runShell(shell: string, script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(shell, [], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.once("error", fail);
    child.once("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
    child.stdin.end(script);
  });
}

/** Whether `command args…` runs here (curl for the whole test, zsh for its extra run). */
const runs = (command: string, ...args: string[]) => {
  try {
    execFileSync(command, args, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};
const hasCurl = runs("curl", "--version");

const walkthrough = parseWalkthrough();

describe("the README walk-through's text", () => {
  test("has its checks, and nothing to fill in by hand", () => {
    expect(walkthrough.checks.length).toBeGreaterThanOrEqual(25);
    // Placeholders (`atk_user_…`, `<token id>`) are for comments; a command must run as it stands.
    expect(walkthrough.commandLines.filter((line) => /…|<[a-z ]+>/.test(line))).toEqual([]);
    expect(walkthrough.body.split("\n").filter((line) => line === API_LINE)).toHaveLength(1);
  });
});

describe.skipIf(!hasCurl)("the README walk-through, pasted into a shell against the local server (needs curl)", () => {
  const ctx = useLocalService();

  async function run(shell: string, options: string, firstRun: boolean) {
    const script = `set ${options}\n${walkthrough.body.replace(API_LINE, `API=${ctx.service.url}`)}\n`;
    const { code, stdout, stderr } = await runShell(shell, script);
    expect({ code, stderr }, stdout).toEqual({ code: 0, stderr: "" });
    const printed = stdout.split(`\n${MARK}\n`);
    expect(printed, "one marker per # → line").toHaveLength(walkthrough.checks.length + 1);
    expect(printed.at(-1)!.trim(), "output after the last # → line").toBe("");
    walkthrough.checks.forEach((check, n) => {
      const output = printed[n]!.trim();
      const matches = firstRun ? check.alternatives[0]!.test(output) : check.alternatives.some((p) => p.test(output));
      expect(matches, `README.md:${check.readmeLine} (${shell}) says\n  ${check.expected}\nbut the commands printed\n  ${output}`).toBe(
        true,
      );
    });
  }

  // A run takes a few seconds (two dozen requests, two password hashes); more when the machine is busy.
  test("bash, on a fresh start", { timeout: 90_000 }, async () => {
    await run("bash", "-euo pipefail", true);
  });

  test("then again against the same data, with POSIX sh (and with zsh, if installed)", { timeout: 150_000 }, async () => {
    await run("sh", "-eu", false);
    if (runs("zsh", "-c", "exit 0")) await run("zsh", "-eu", false);
  });
});
