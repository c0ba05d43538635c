import type { HttpEvent } from "./http-handler.ts";

/**
 * Whom a leaked-token report is counted against (leak-report-throttle.ts). Decided here, in one place:
 *
 * - `requestContext.http.sourceIp` is the TCP peer API Gateway saw: it cannot be forged. Called directly, that
 *   is the client; called through the stack's CloudFront distribution (which forwards `/v1/*`), it is a
 *   CloudFront edge that many viewers share.
 * - `CloudFront-Viewer-Address` (`ip:port`) is the viewer's address, which CloudFront adds itself when the
 *   behaviour's origin request policy forwards it (README: to check on a deployment). A client calling API
 *   Gateway directly can send the header too, with any value.
 * - `X-Forwarded-For` is never used: API Gateway passes on whatever the client put in it.
 *
 * So with a viewer address the report counts against the viewer (`source`, the strict per-source limit) *and*
 * against the peer that relayed it (`relay`, a limit an edge can carry for many viewers): a forged header buys a
 * direct caller at most the relay limit, never an unlimited supply of fresh sources. Without one, the peer is the
 * source. Addresses are only ever stored hashed.
 */
export function reportSources(event: HttpEvent): { scope: "source" | "relay"; address: string }[] {
  const peer = event.requestContext?.http?.sourceIp ?? "unknown";
  const header = event.headers?.["cloudfront-viewer-address"];
  if (header === undefined) return [{ scope: "source", address: peer }];
  return [
    { scope: "source", address: viewerAddress(header) },
    { scope: "relay", address: peer },
  ];
}

/** `198.51.100.10:46532` or `2001:db8::1:46532` → the address without the port; anything else shares one bucket. */
function viewerAddress(header: string): string {
  const match = /^([0-9A-Fa-f.:]{2,45}):\d{1,5}$/.exec(header.trim());
  return match ? (match[1] as string).toLowerCase() : "malformed";
}
