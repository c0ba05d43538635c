/**
 * `npm start`'s banner and the README say the same: the banner sends people to the walk-through, and the
 * one command it shows is a line of the walk-through (the README once said 31 days where the banner moved
 * the clock 30, which may leave a token a moment short of expiring).
 */
import { describe, expect, test } from "vitest";
import { banner } from "../../local/banner.ts";
import { SECTION, parseWalkthrough } from "../support/readme-walkthrough.ts";

const url = "http://127.0.0.1:3000";

describe("the local server's banner", () => {
  test("shows only commands that are lines of the README's walk-through", () => {
    const text = banner(url, undefined);
    const commands = text
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line.startsWith("curl "))
      .map((line) => line.replaceAll(url, "$API"));
    expect(commands.length).toBeGreaterThan(0);
    const readmeLines = new Set(parseWalkthrough().commandLines.map((line) => line.trim()));
    for (const command of commands) expect(readmeLines, command).toContain(command);
  });

  test("names the walk-through by its heading, and the service's URL and data", () => {
    expect(banner(url, "/tmp/data")).toContain(`"${SECTION.replace(/^## /, "")}"`);
    expect(banner(url, "/tmp/data")).toContain(`API=${url}`);
    expect(banner(url, "/tmp/data")).toContain("(data in /tmp/data;");
    expect(banner(url, undefined)).toContain("(data in memory only;");
  });
});
