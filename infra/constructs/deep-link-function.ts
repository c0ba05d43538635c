/**
 * The CloudFront Function (cloudfront-js-2.0, viewer request) on the web page's default behaviour: a deep link
 * (`/profile/settings/api-tokens`, `/auth/callback?code=…`, `/`) is a path without a file extension in its last
 * segment, and gets `/index.html` from the bucket; the page's router then reads the address bar. Files
 * (`/assets/app-<hash>.js`, `/config.json`) keep their path.
 *
 * Any extensionless path, not only the page's known paths (PAGE_PATHS): a path the page adds later works
 * without a deploy of this function, and an unknown one gets the page's own "not found" instead of S3's
 * AccessDenied XML. The query string is not part of `uri` and stays as it is. The API's behaviours
 * (`/v1/*`, `/openapi.json`) never run this function, so their paths and JSON errors are untouched.
 *
 * The source is tested by evaluating it with fake events (test/infra/web-site.test.ts).
 */
export const DEEP_LINK_FUNCTION_CODE = `function handler(event) {
  var request = event.request;
  var lastSegment = request.uri.substring(request.uri.lastIndexOf("/") + 1);
  if (lastSegment.indexOf(".") === -1) {
    request.uri = "/index.html";
  }
  return request;
}
`;
