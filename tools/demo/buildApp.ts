import { build } from "vite";

/**
 * `vite build` of the site into `outDir`, with VITE_CONVEX_URL baked in as a real build would have it,
 * and VITE_CONVEX_SITE_URL (the HTTP actions, for the dashboard's Download CSV) when given.
 */
export async function buildApp(convexUrl: string, outDir: string, siteUrl?: string): Promise<void> {
  const baked = { VITE_CONVEX_URL: convexUrl, VITE_CONVEX_SITE_URL: siteUrl };
  const previous = Object.fromEntries(Object.keys(baked).map((name) => [name, process.env[name]]));
  // Vite takes VITE_* from process.env ahead of .env files.
  const setAll = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  setAll(baked);
  try {
    await build({ mode: "production", logLevel: "error", build: { outDir, emptyOutDir: true } });
  } finally {
    setAll(previous);
  }
}
