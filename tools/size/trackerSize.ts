import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build, type Rollup } from "vite";

/** The budget for what the tracker costs a site already shipping React and Convex (README, "Bundle size"). */
export const TRACKER_GZIP_BUDGET_BYTES = 2_100;

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * What the tracker adds to a visitor's download: `usePageTracking` and all it
 * imports (heartbeat stream, session, tab channel, visit context, tracking
 * switch, config constants), built and minified as `vite build` does, with
 * React and the Convex client left out (the site has them anyway). Bytes.
 */
export async function measureTracker(): Promise<{ minified: number; gzip: number; code: string }> {
  const result = await build({
    root: ROOT,
    configFile: false,
    logLevel: "silent",
    mode: "production",
    build: {
      write: false,
      minify: true,
      modulePreload: false,
      rollupOptions: {
        input: "src/hooks/usePageTracking.ts",
        preserveEntrySignatures: "exports-only",
        external: (id) => /^(react|react-dom|convex)(\/|$)/.test(id),
      },
    },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as Rollup.RollupOutput[];
  const chunks = outputs.flatMap(({ output }) => output).filter((file): file is Rollup.OutputChunk => file.type === "chunk");
  if (chunks.length !== 1) throw new Error(`expected the tracker in one chunk, got ${chunks.map(({ fileName }) => fileName).join(", ")}`);
  const { code } = chunks[0];
  return { minified: Buffer.byteLength(code), gzip: gzipSync(code).length, code };
}

// `npx tsx tools/size/trackerSize.ts` prints the figures the README quotes.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { minified, gzip } = await measureTracker();
  const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
  console.log(`tracker: ${kB(minified)} minified / ${kB(gzip)} gzip (${gzip} bytes; budget ${TRACKER_GZIP_BUDGET_BYTES})`);
}
