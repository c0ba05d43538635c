/**
 * First step of `npm test`: the browser tests drive Debian's Chromium (never a downloaded browser). Without it,
 * stop at once and say how to install it, rather than failing a minute later inside vitest.
 */
import { existsSync } from "node:fs";
import { CHROMIUM_PATH, INSTALL_HINT } from "../browser/support/chromium.ts";

if (!existsSync(CHROMIUM_PATH)) {
  process.stderr.write(`\nThe browser tests need Chromium, and there is none at ${CHROMIUM_PATH}.\nTo run them, ${INSTALL_HINT}.\n\n`);
  process.exit(1);
}
