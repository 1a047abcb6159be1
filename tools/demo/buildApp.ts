import { build } from "vite";

/** `vite build` of the site into `outDir`, with VITE_CONVEX_URL baked in as a real build would have it. */
export async function buildApp(convexUrl: string, outDir: string): Promise<void> {
  const previous = process.env.VITE_CONVEX_URL;
  // Vite takes VITE_* from process.env ahead of .env files.
  process.env.VITE_CONVEX_URL = convexUrl;
  try {
    await build({ mode: "production", logLevel: "error", build: { outDir, emptyOutDir: true } });
  } finally {
    if (previous === undefined) delete process.env.VITE_CONVEX_URL;
    else process.env.VITE_CONVEX_URL = previous;
  }
}
