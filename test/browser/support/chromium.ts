/** Where the browser tests find Chromium (Debian's package), and what to do when it is missing. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const INSTALL_HINT = "install Debian's Chromium with `apt-get install -y chromium` (or set CHROMIUM_PATH to a Chromium binary)";
