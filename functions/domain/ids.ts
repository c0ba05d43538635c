/**
 * Ids (organizations, users, service users) become parts of DynamoDB keys, so they are restricted to
 * characters that cannot forge a key (`#`). Kept free of dependencies: the verify bundle imports it.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
export const isValidId = (value: string): boolean => ID_PATTERN.test(value);
