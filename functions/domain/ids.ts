/**
 * Ids (organizations, users, service users) become parts of DynamoDB keys and URL paths, so they are
 * restricted to characters that cannot forge a key (`#`) or a path (`/`, white space, `.` or `..` alone).
 * API.md: 1–128 letters, digits and `. _ : @ | -`, so the subjects of common identity providers
 * (`auth0|5f…`, base64url `_a1…` or `-x…`) are ids. Kept free of dependencies: the verify bundle imports it.
 */
export const ID_PATTERN = /^(?!\.\.?$)[A-Za-z0-9._:@|-]{1,128}$/;
export const isValidId = (value: string): boolean => ID_PATTERN.test(value);
