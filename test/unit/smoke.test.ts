import { expect, inject, test } from "vitest";
test("dynamodb local endpoint is provided", () => {
  expect(inject("dynamoDbEndpoint")).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
});
