/**
 * The API reference UI's script and stylesheet, served from the pinned swagger-ui-dist package
 * (package.json), so that /openapi works offline and loads nothing from a CDN.
 */
import { dirname, join } from "node:path";
import { Elysia, t } from "elysia";
import { HttpError } from "../httpError.ts";

const SWAGGER_UI_DIR = dirname(Bun.resolveSync("swagger-ui-dist/package.json", import.meta.dir));
const ASSETS: Readonly<Record<string, string>> = {
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui.css": "text/css; charset=utf-8",
};
export const OPENAPI_ASSETS_PATH = "/openapi/assets";

export function openapiAssetRoutes() {
  return new Elysia().get(
    `${OPENAPI_ASSETS_PATH}/:file`,
    ({ params }) => {
      const type = ASSETS[params.file];
      if (type === undefined) throw new HttpError(404, "not_found", "no such asset");
      return new Response(Bun.file(join(SWAGGER_UI_DIR, params.file)), { headers: { "content-type": type, "cache-control": "public, max-age=3600" } });
    },
    { params: t.Object({ file: t.String({ maxLength: 64 }) }), detail: { hide: true } },
  );
}
