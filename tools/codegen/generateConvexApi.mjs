// Regenerates `_generated/` offline from the Convex CLI's own templates, for the app (`convex/`) and every local
// component it mounts (`src/component/`): `npx convex dev` writes the same files on a user's machine.
// Run from the repo root under tsx (it loads the component's TypeScript modules): `npm run codegen`,
// or `tsx tools/codegen/generateConvexApi.mjs <appDir>` for another app (the packed-package test's).
import path from "node:path";
import fs from "node:fs";
import { pathToFileURL } from "node:url";
import prettier from "prettier";

const cli = path.resolve("node_modules/convex/dist/esm/cli/codegen_templates");
const { header, apiComment, compareModulePaths } = await import(path.join(cli, "common.js"));
const { importPath, moduleIdentifier } = await import(path.join(cli, "api.js"));
const { validatorToType } = await import(path.join(cli, "validator_helpers.js"));
// server.js, dataModel.js and component_server.js pull in the CLI's bundler; load just their template functions.
async function templates(file) {
  const src = fs.readFileSync(path.join(cli, file), "utf8").replace(/^import[\s\S]*?;\n/gm, "");
  const tmp = path.join(cli, `.offline-${file}`);
  const helpers = `import { header, compareStrings } from "./common.js";\nimport { validatorToType, parseValidator } from "./validator_helpers.js";\n`;
  const serverHelpers = file === "component_server.js" ? `import { generateEnvInterface, withPlatformEnvVars } from "./.offline-server.js";\n` : "";
  fs.writeFileSync(tmp, helpers + serverHelpers + src);
  return await import(pathToFileURL(tmp).href);
}
const { serverCodegen } = await templates("server.js");
const { dynamicDataModelDTS, dynamicDataModelTS } = await templates("dataModel.js");
const { componentServerTS } = await templates("component_server.js");

// entryPoints(): every .ts/.js under a functions dir except _generated, schema, config, dotfiles, multi-dot names
// and folders that are components of their own.
function modulePathsOf(dir) {
  const walk = (d) =>
    fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => {
      const p = path.join(d, e.name);
      if (e.isDirectory()) return e.name === "_generated" || fs.existsSync(path.join(p, "convex.config.ts")) ? [] : walk(p);
      const base = e.name;
      if (!/\.(ts|tsx|js|jsx|mjs|cjs)$/.test(base) || base.startsWith(".") || ["schema.ts", "convex.config.ts"].includes(base)) return [];
      return (base.match(/\./g) || []).length > 1 ? [] : [path.relative(dir, p)];
    });
  return walk(dir).sort(compareModulePaths);
}

/**
 * The components a convex.config.ts mounts, read from its text (the Convex runtime's `use` refuses to run elsewhere):
 * each `import x from "<spec>/convex.config[.js]"` and `<app|component>.use(x, { name })` (the name defaults to the
 * definition's own). Returns each mount's name and where its ComponentApi type is, relative to `fromDir`.
 */
function mountsOf(configFile, fromDir) {
  const config = fs.readFileSync(configFile, "utf8").replace(/\/\/.*$/gm, "");
  const imports = Object.fromEntries([...config.matchAll(/import (\w+) from "([^"]+)\/convex\.config(?:\.js)?";/g)].map((m) => [m[1], m[2]]));
  return [...config.matchAll(/\.use\((\w+)([^;]*)\);/g)].map((m) => {
    const spec = imports[m[1]];
    const relative = spec.startsWith(".");
    const dir = relative ? path.resolve(path.dirname(configFile), spec) : null;
    const name = m[2].match(/name:\s*"(\w+)"/)?.[1] ?? (dir ? definitionName(dir) : m[1]);
    const componentApi = relative ? toImport(path.relative(fromDir, path.join(dir, "_generated/component.js"))) : `${spec}/_generated/component.js`;
    return { name, componentApi, dir };
  });
}
const toImport = (p) => (p.startsWith(".") ? p : `./${p}`);
const definitionName = (dir) => fs.readFileSync(path.join(dir, "convex.config.ts"), "utf8").match(/defineComponent\("(\w+)"/)[1];

/** A component's declared env variables (all optional strings here), read from its `defineComponent(name, { env })`. */
function envOf(dir) {
  const config = fs.readFileSync(path.join(dir, "convex.config.ts"), "utf8");
  const block = config.match(/env:\s*\{([\s\S]*?)\n\s*\},?\n/)?.[1] ?? "";
  return [...block.matchAll(/^\s*(\w+):\s*v\.optional\(v\.string\(\)\)/gm)].map((m) => [m[1], { value: JSON.stringify({ type: "string" }), optional: true }]);
}

function apiTypeLines(modulePaths) {
  const lines = [];
  for (const m of modulePaths) lines.push(`import type * as ${moduleIdentifier(m)} from "../${importPath(m)}.js";`);
  return lines;
}
const fullApiEntries = (modulePaths) => modulePaths.map((m) => `  "${importPath(m)}": typeof ${moduleIdentifier(m)},`);

async function write(dir, files) {
  const out = path.join(dir, "_generated");
  fs.mkdirSync(out, { recursive: true });
  for (const [file, contents] of files) fs.writeFileSync(path.join(out, file), await prettier.format(contents, { parser: "typescript" }));
}

/** The app's `_generated` (declaration files plus JS, as `npx convex dev` writes for an app). */
async function generateApp(appDir) {
  const modulePaths = modulePathsOf(appDir);
  const mounts = mountsOf(path.join(appDir, "convex.config.ts"), path.join(appDir, "_generated"));
  const lines = [header("Generated `api` utility."), ...apiTypeLines(modulePaths)];
  lines.push(`
    import type { ApiFromModules, FilterApi, FunctionReference } from "convex/server";

    declare const fullApi: ApiFromModules<{`);
  lines.push(...fullApiEntries(modulePaths), `}>;`);
  lines.push(`
    ${apiComment("api", "public")}
    export declare const api: FilterApi<typeof fullApi, FunctionReference<any, "public">>;
    ${apiComment("internal", "internal")}
    export declare const internal: FilterApi<typeof fullApi, FunctionReference<any, "internal">>;

    export declare const components: {`);
  for (const { name, componentApi } of mounts) lines.push(`  "${name}": import("${componentApi}").ComponentApi<"${name}">,`);
  lines.push("};");
  const apiJs = [header("Generated `api` utility."), `
    import { anyApi, componentsGeneric } from "convex/server";

    ${apiComment("api", undefined)}
    export const api = anyApi;
    export const internal = anyApi;
    export const components = componentsGeneric();
  `].join("\n");
  const server = serverCodegen({ useTypeScript: false, envVars: [] });
  await write(appDir, [["api.d.ts", lines.join("\n")], ["api.js", apiJs], ["server.js", server.JS], ["server.d.ts", server.DTS], ["dataModel.d.ts", dynamicDataModelDTS()]]);
  for (const mount of mounts) if (mount.dir) await generateComponent(mount.dir);
}

/** What a module's exported Convex functions are: kind, visibility and argument and return validators. */
function functionsOf(module) {
  return Object.entries(module).flatMap(([name, fn]) => {
    const kind = fn?.isQuery ? "query" : fn?.isMutation ? "mutation" : fn?.isAction ? "action" : null;
    if (kind === null || !fn.isPublic) return [];
    const returns = JSON.parse(fn.exportReturns()) ?? { type: "any" };
    return [{ name, kind, args: JSON.parse(fn.exportArgs()), returns }];
  });
}

/** A component's `_generated` (TypeScript, as `npx convex dev` writes for a component), with its ComponentApi type. */
const generated = new Set();
async function generateComponent(dir) {
  if (generated.has(dir)) return;
  generated.add(dir);
  const modulePaths = modulePathsOf(dir);
  const children = mountsOf(path.join(dir, "convex.config.ts"), path.join(dir, "_generated"));
  for (const child of children) if (child.dir) await generateComponent(child.dir);
  const api = [header("Generated `api` utility."), ...apiTypeLines(modulePaths)];
  api.push(`
    import type { ApiFromModules, FilterApi, FunctionReference } from "convex/server";
    import { anyApi, componentsGeneric } from "convex/server";

    const fullApi: ApiFromModules<{`);
  api.push(...fullApiEntries(modulePaths), `}> = anyApi as any;`);
  api.push(`
    ${apiComment("api", "public")}
    export const api: FilterApi<typeof fullApi, FunctionReference<any, "public">> = anyApi as any;
    ${apiComment("internal", "internal")}
    export const internal: FilterApi<typeof fullApi, FunctionReference<any, "internal">> = anyApi as any;

    export const components = componentsGeneric() as unknown as {`);
  for (const { name, componentApi } of children) api.push(`  ${name}: import("${componentApi}").ComponentApi<"${name}">;`);
  api.push("};");
  // server.ts, api.ts and dataModel.ts first: the modules import them, and component.ts needs the modules loaded.
  await write(dir, [["api.ts", api.join("\n")], ["server.ts", componentServerTS(false, envOf(dir))], ["dataModel.ts", dynamicDataModelTS()]]);
  if (!fs.existsSync(path.join(dir, "_generated", "component.ts"))) fs.writeFileSync(path.join(dir, "_generated", "component.ts"), "export type ComponentApi<Name extends string | undefined = string | undefined> = any;\n");

  const tree = {};
  for (const m of modulePaths) {
    const module = await import(pathToFileURL(path.join(dir, m)).href);
    for (const fn of functionsOf(module)) {
      let node = tree;
      for (const part of importPath(m).split("/")) node = node[part] ??= {};
      node[fn.name] = fn;
    }
  }
  const render = (node) =>
    `{ ${Object.entries(node)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, value]) =>
        value.kind
          ? `${key}: FunctionReference<"${value.kind}", "internal", ${validatorToType(value.args, false)}, ${validatorToType(value.returns, false)}, Name>;`
          : `${key}: ${render(value)};`,
      )
      .join("\n")} }`;
  const component = [header("Generated `ComponentApi` utility."), `
    import type { FunctionReference } from "convex/server";

    /**
    * A utility for referencing a Convex component's exposed API.
    *
    * Useful when expecting a parameter like \`components.myComponent\`.
    * Usage:
    * \`\`\`ts
    * async function myFunction(ctx: QueryCtx, component: ComponentApi) {
    *   return ctx.runQuery(component.someFile.someQuery, { ...args });
    * }
    * \`\`\`
    */
    export type ComponentApi<Name extends string | undefined = string | undefined> = ${render(tree)};`];
  await write(dir, [["component.ts", component.join("\n")]]);
}

try {
  await generateApp(path.resolve(process.argv[2] ?? "convex"));
} finally {
  for (const file of fs.readdirSync(cli)) if (file.startsWith(".offline-")) fs.rmSync(path.join(cli, file));
}
