/**
 * The /docs page: Swagger UI, served by the engine itself from the swagger-ui-dist package, reading
 * /openapi.json, so an operator can read and try the API with no internet (no CDN, and a content
 * security policy that lets the page load nothing from anywhere but the engine).
 */
import { dirname, join } from "node:path";
import { Elysia } from "elysia";
import { API_ROUTES, elysiaPath } from "./openapi.ts";
import { json, type ReplyCounter } from "./responses.ts";

/** The files of swagger-ui-dist the page loads; nothing else of the package is served. */
const DIST_FILES: Readonly<Record<string, string>> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "application/javascript; charset=utf-8",
};

/** Only the engine's own origin, for everything; Swagger UI styles itself inline. */
const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The page's own start-up script, a file (not inline) so the CSP needs no 'unsafe-inline' for scripts. */
const INIT_JS = `window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    displayRequestDuration: true,
    persistAuthorization: false,
    validatorUrl: null,
    tryItOutEnabled: false
  });
});
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hft-engine API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<noscript>This page needs JavaScript; the raw description is at <a href="/openapi.json">/openapi.json</a>.</noscript>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

/** Where swagger-ui-dist is installed (a production dependency, so it is in the image too). */
function distDir(): string {
  return dirname(Bun.resolveSync("swagger-ui-dist/package.json", import.meta.dir));
}

const headers = (type: string) => ({
  "content-type": type,
  "content-security-policy": CSP,
  "x-content-type-options": "nosniff",
  "cache-control": "no-cache",
});

/** /docs and its assets, as an Elysia plugin for createHttpApp. */
export function docsRoutes(replies: ReplyCounter) {
  const dir = distDir();
  const page = elysiaPath(API_ROUTES.docs);
  const asset = elysiaPath(API_ROUTES.docsAsset);
  return new Elysia()
    .get(page, () => replies.done(page, new Response(PAGE, { headers: headers("text/html; charset=utf-8") })))
    .get(asset, (ctx) => {
      const file = (ctx.params as Readonly<Record<string, string>>).file ?? "";
      if (file === "init.js") {
        return replies.done(
          asset,
          new Response(INIT_JS, { headers: headers("application/javascript; charset=utf-8") }),
        );
      }
      const type = DIST_FILES[file];
      if (type === undefined) {
        return replies.refuse(asset, "not_found", json(404, { error: `no docs file ${JSON.stringify(file)}` }));
      }
      return replies.done(asset, new Response(Bun.file(join(dir, file)), { headers: headers(type) }));
    });
}
