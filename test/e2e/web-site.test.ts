/**
 * The local server serves the web page as CloudFront does in AWS: the page at `/` and at every deep link with
 * the strict security headers, its hashed assets cached for good, `/config.json` pointing at the local identity
 * provider's OpenID Connect endpoints, and nothing else of the disk. The page's script stays small.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { buildWebPage } from "../../web/build.ts";
import { PAGE_PATHS, type SiteConfig } from "../../web/site-config.ts";
import { useSharedLocalService } from "./e2e-support.ts";

const ctx = useSharedLocalService();
const get = (path: string) => fetch(`${ctx.api.baseUrl}${path}`);

describe("the web page on the local server", () => {
  test.each(PAGE_PATHS)("%s is the page, with a strict CSP and the other security headers, never cached", async (path) => {
    const response = await get(path);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const policy = response.headers.get("content-security-policy") ?? "";
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toContain("unsafe");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(response.headers.get("cache-control")).toBe("no-cache");
    const html = await response.text();
    // No inline script: the one script is a file of the site.
    expect(html.match(/<script\b[^>]*>/g)).toEqual([expect.stringMatching(/^<script type="module" src="\/assets\/app-[A-Z0-9]+\.js">$/)]);
  });

  test("its assets are served with their types and cached for good; nothing else of the disk is", async () => {
    const html = await (await get("/")).text();
    for (const asset of html.match(/\/assets\/app-[A-Z0-9]+\.(js|css)/g) ?? []) {
      const response = await get(asset);
      expect(response.status, asset).toBe(200);
      expect(response.headers.get("content-type")).toMatch(asset.endsWith(".js") ? /^text\/javascript/ : /^text\/css/);
      expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    }
    for (const probe of [
      "/assets/../package.json",
      "/assets/%2e%2e%2fpackage.json",
      "/assets/app.js.map",
      "/assets/index.html",
      "/web/build.ts",
      "/.local-data/",
    ]) {
      const response = await get(probe);
      expect(response.status, probe).toBe(404);
      expect(await response.text()).not.toContain("api-token-service");
    }
  });

  test("/config.json names the local identity provider's endpoints, as its discovery document does", async () => {
    const config = (await (await get("/config.json")).json()) as SiteConfig;
    const discovery = (await (await get("/local/idp/.well-known/openid-configuration")).json()) as Record<string, string>;
    expect(config).toEqual({
      issuer: discovery.issuer,
      clientId: "api-token-service-local",
      authorizationEndpoint: discovery.authorization_endpoint,
      tokenEndpoint: discovery.token_endpoint,
      idTokenSigningAlgorithms: ["ES256"],
      signOut: { url: discovery.end_session_endpoint, style: "oidc" },
      apiBase: "",
    });
  });

  test("the API keeps its JSON errors: an unknown route under /v1 is no page", async () => {
    const response = await get("/v1/profile/settings/api-tokens");
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("not_found");
  });
});

describe("the page's size", () => {
  test("its script is under 60 KB gzipped (the issue's aim), built as the stack builds it", async () => {
    const outDir = await mkdtemp(join(tmpdir(), "web-size-"));
    try {
      const built = buildWebPage({ outDir });
      const script = built.files.find((file) => file.endsWith(".js"))!;
      const gzipped = gzipSync(await readFile(join(outDir, script))).length;
      expect(gzipped).toBeLessThan(60 * 1024);
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  });
});
