// Regenerates convex/_generated offline from the Convex CLI's own templates (run from the repo root:
// `node tools/codegen/generateConvexApi.mjs`). `npx convex dev` writes the same files on a user's machine.
import path from "node:path";
import fs from "node:fs";
import prettier from "prettier";
const cli = path.resolve("node_modules/convex/dist/esm/cli/codegen_templates");
const { header, apiComment, compareModulePaths } = await import(path.join(cli, "common.js"));
const { importPath, moduleIdentifier } = await import(path.join(cli, "api.js"));
// server.js and dataModel.js pull in the CLI's bundler; load just their template functions.
async function templates(file) {
  const src = fs.readFileSync(path.join(cli, file), "utf8").replace(/^import[\s\S]*?;\n/gm, "");
  const tmp = path.resolve(`.tmpl-${file}`);
  fs.writeFileSync(tmp, `import { header, compareStrings } from ${JSON.stringify(path.join(cli, "common.js"))};\nconst validatorToType = () => "any", parseValidator = () => null;\n${src}`);
  try { return await import(tmp); } finally { fs.rmSync(tmp); }
}
const { serverCodegen } = await templates("server.js");
const { dynamicDataModelDTS } = await templates("dataModel.js");
const convexDir = path.resolve("convex");
// entryPoints(): every .ts/.js under convex/ except _generated, schema, dotfiles and multi-dot names.
function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "_generated" ? [] : walk(p);
    const base = e.name;
    if (!/\.(ts|tsx|js|jsx|mjs|cjs)$/.test(base) || base.startsWith(".") || base === "schema.ts" || (base.match(/\./g) || []).length > 1) return [];
    return [path.relative(convexDir, p)];
  });
}
const modulePaths = walk(convexDir).sort(compareModulePaths);
const config = fs.readFileSync(path.join(convexDir, "convex.config.ts"), "utf8");
// Each `import x from "<package>/convex.config.js"` and `app.use(x, { name })` (the name defaults to the identifier).
const packages = Object.fromEntries([...config.matchAll(/import (\w+) from "([^"]+)\/convex\.config\.js";/g)].map((m) => [m[1], m[2]]));
const mounts = [...config.matchAll(/app\.use\((\w+)(?:, \{ name: "(\w+)" \})?\)/g)].map((m) => ({ name: m[2] ?? m[1], pkg: packages[m[1]] }));
const lines = [header("Generated `api` utility.")];
for (const m of modulePaths) lines.push(`import type * as ${moduleIdentifier(m)} from "../${importPath(m)}.js";`);
lines.push(`
    import type {
      ApiFromModules,
      FilterApi,
      FunctionReference,
    } from "convex/server";

    declare const fullApi: ApiFromModules<{
  `);
for (const m of modulePaths) lines.push(`  "${importPath(m)}": typeof ${moduleIdentifier(m)},`);
lines.push(`}>;`);
lines.push(`
    ${apiComment("api", "public")}
    export declare const api: FilterApi<typeof fullApi, FunctionReference<any, "public">>;
    ${apiComment("internal", "internal")}
    export declare const internal: FilterApi<typeof fullApi, FunctionReference<any, "internal">>;
  `);
lines.push(`
  export declare const components: {`);
for (const { name, pkg } of mounts) lines.push(`  "${name}": import("${pkg}/_generated/component.js").ComponentApi<"${name}">,`);
lines.push("};");
const apiJs = [header("Generated `api` utility."), `
    import { anyApi, componentsGeneric } from "convex/server";

    ${apiComment("api", undefined)}
    export const api = anyApi;
    export const internal = anyApi;
    export const components = componentsGeneric();
  `].join("\n");
const server = serverCodegen({ useTypeScript: false, envVars: [] });
const out = path.join(convexDir, "_generated");
fs.mkdirSync(out, { recursive: true });
for (const [file, contents] of [["api.d.ts", lines.join("\n")], ["api.js", apiJs], ["server.js", server.JS], ["server.d.ts", server.DTS], ["dataModel.d.ts", dynamicDataModelDTS()]]) {
  fs.writeFileSync(path.join(out, file), await prettier.format(contents, { parser: "typescript" }));
}

