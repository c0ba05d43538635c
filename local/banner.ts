/**
 * What `npm start` prints once it listens. It sends people to README.md's curl walk-through, which a test
 * runs as pasted (test/e2e/readme-walkthrough.test.ts), rather than keeping a second copy of its steps here;
 * the one command it shows is the walk-through's own (test/unit/local-banner.test.ts holds them together).
 */
export function banner(url: string, dataDir: string | undefined): string {
  return `
  API token service, running locally at ${url}
  (data in ${dataDir ?? "memory only"}; Ctrl-C stops)

  The API tokens page: ${url}/ (sign in as a person the walk-through below makes: ada@example.com)

  Try it from another terminal: README.md's "Try it: a curl walk-through" runs as pasted (with API=${url}).
  It makes a person and an API token, verifies it, lets another token go unused past its 30 days (moving the
  test clock 31 days on), turns on SSO, and shows service users, the organization-wide view and the activity log.
  The test clock alone:
     curl -s -w '\\n' ${url}/local/clock -H 'content-type: application/json' -d '{"advanceSeconds":2678400}'

`;
}
