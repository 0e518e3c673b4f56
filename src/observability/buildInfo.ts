/** Which build runs: the version in package.json, for `build_info` and the OpenAPI document. */
import packageJson from "../../package.json" with { type: "json" };

export const ENGINE_VERSION: string = packageJson.version;
