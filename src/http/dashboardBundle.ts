/**
 * The operator dashboard's files: src/dashboard/index.html bundled by Bun's own bundler (the one
 * behind HTML imports: it follows the page's <script> and <link> tags, transpiles the TSX and
 * bundles React, TanStack Query and uPlot), once, at the first request, and kept in memory.
 * Elysia 1.4 serves an HTML import only as a static Bun.serve route, which runs none of the
 * app's hooks: that route could not check the dashboard's scope, so the engine bundles the same
 * page itself and serves it through an ordinary, scoped route.
 */
import { fileURLToPath } from "node:url";

export const DASHBOARD_ASSETS_PATH = "/dashboard/assets";
const ENTRY = fileURLToPath(new URL("../dashboard/index.html", import.meta.url));

export interface DashboardFile {
  readonly body: Uint8Array<ArrayBuffer>;
  readonly contentType: string;
}

export interface DashboardBundle {
  readonly page: DashboardFile;
  /** By file name under DASHBOARD_ASSETS_PATH: the hashed scripts and styles. */
  readonly assets: ReadonlyMap<string, DashboardFile>;
}

let built: Promise<DashboardBundle> | null = null;

/** The bundle, built at the first call; a failed build is tried again at the next call. */
export function dashboardBundle(): Promise<DashboardBundle> {
  built ??= buildDashboard().catch((error: unknown) => {
    built = null;
    throw error;
  });
  return built;
}

async function buildDashboard(): Promise<DashboardBundle> {
  const result = await Bun.build({
    entrypoints: [ENTRY], target: "browser", minify: true, publicPath: `${DASHBOARD_ASSETS_PATH}/`,
    define: { "process.env.NODE_ENV": JSON.stringify("production") },
  });
  if (!result.success) throw new AggregateError(result.logs, "the dashboard did not bundle");
  let page: DashboardFile | null = null;
  const assets = new Map<string, DashboardFile>();
  for (const output of result.outputs) {
    const file = { body: new Uint8Array(await output.arrayBuffer()), contentType: output.type };
    const name = output.path.replace(/^\.\//, "");
    if (name === "index.html") page = file;
    else assets.set(name, file);
  }
  if (page === null) throw new Error("the dashboard bundle has no index.html");
  return { page, assets };
}
