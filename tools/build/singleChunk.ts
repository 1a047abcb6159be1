import { fileURLToPath } from "node:url";
import { build, type InlineConfig, type Rollup } from "vite";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * A production `vite build` of the project's sources in memory (no config
 * file, nothing written), minified as the site's build is; returns the code of
 * its one JavaScript chunk, and throws if the build made more than one.
 */
export async function buildSingleChunk({ build: buildOptions, ...config }: InlineConfig): Promise<string> {
  const result = await build({
    root: ROOT,
    configFile: false,
    logLevel: "silent",
    mode: "production",
    publicDir: false,
    ...config,
    build: { write: false, minify: true, ...buildOptions },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as Rollup.RollupOutput[];
  const chunks = outputs.flatMap(({ output }) => output).filter((file): file is Rollup.OutputChunk => file.type === "chunk");
  if (chunks.length !== 1) throw new Error(`expected one chunk, got ${chunks.map(({ fileName }) => fileName).join(", ")}`);
  return chunks[0].code;
}
