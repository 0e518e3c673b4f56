/**
 * GET /dashboard — the operator dashboard (scope ops:read; the browser may pass its token as
 * `access_token`), and its scripts and styles under /dashboard/assets/ (open: code without data,
 * like the OpenAPI page's assets; every figure the page shows comes from the scoped API).
 */
import { Elysia, t } from "elysia";
import { scopedPage, securityOf } from "../auth/routeScope.ts";
import { dashboardBundle, DASHBOARD_ASSETS_PATH, type DashboardFile } from "../dashboardBundle.ts";
import { HttpError } from "../httpError.ts";
import type { HttpDeps } from "../httpDeps.ts";

/** Only this origin's scripts, styles and connections: a dashboard that holds an operator's token loads nothing from elsewhere. */
const CONTENT_SECURITY_POLICY = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: blob:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'";

function fileResponse(file: DashboardFile, cacheControl: string): Response {
  return new Response(file.body, { headers: { "content-type": file.contentType, "cache-control": cacheControl, "x-content-type-options": "nosniff" } });
}

export function dashboardRoutes(deps: HttpDeps) {
  return new Elysia()
    .get("/dashboard", async () => {
      const response = fileResponse((await dashboardBundle()).page, "no-store");
      response.headers.set("content-security-policy", CONTENT_SECURITY_POLICY);
      response.headers.set("referrer-policy", "no-referrer");
      return response;
    }, {
      ...scopedPage(deps.access, "ops:read"),
      detail: {
        summary: "The operator dashboard (HTML)",
        description: "Scope ops:read; a browser passes its JWT as the access_token query parameter (the page then sends it as a header and keeps it out of the address bar). Each view needs the scopes of the routes it reads: admin for the DLQ, reconciliation and audit views, transfers:confirm and transfers:write to confirm and cancel.",
        tags: ["ops"], security: securityOf("ops:read"),
      },
    })
    .get(`${DASHBOARD_ASSETS_PATH}/:file`, async ({ params }) => {
      const file = (await dashboardBundle()).assets.get(params.file);
      if (file === undefined) throw new HttpError(404, "not_found", `no dashboard file ${params.file}`);
      // The names carry a hash of the content: a file under one name never changes.
      return fileResponse(file, "public, max-age=31536000, immutable");
    }, {
      params: t.Object({ file: t.String({ pattern: "^[A-Za-z0-9._-]{1,100}$" }) }),
      detail: { summary: "The dashboard's scripts and styles (open: code, no data)", tags: ["ops"], security: [] },
    });
}
