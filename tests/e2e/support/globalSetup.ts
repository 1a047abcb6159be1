import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { buildApp } from "../../../tools/demo/buildApp";

declare module "vitest" {
  export interface ProvidedContext {
    /** The built site, its VITE_CONVEX_URL pointing at `appPort` on 127.0.0.1. */
    appDir: string;
    /** The port every browser test's server listens on: the build has it baked in. */
    appPort: number;
    /** The HTTP actions' port the build has baked in (VITE_CONVEX_SITE_URL): a test that follows the dashboard's Download CSV serves them there. */
    appSitePort: number;
  }
}

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Builds the site once for the whole run; each browser test serves it from its own fresh server. */
export default async function setup(project: TestProject): Promise<() => void> {
  const appPort = await freePort();
  const appSitePort = await freePort();
  const appDir = fs.mkdtempSync(path.join(os.tmpdir(), "live-stats-e2e-app-"));
  await buildApp(`http://127.0.0.1:${appPort}`, appDir, `http://127.0.0.1:${appSitePort}`);
  project.provide("appDir", appDir);
  project.provide("appPort", appPort);
  project.provide("appSitePort", appSitePort);
  return () => fs.rmSync(appDir, { recursive: true, force: true });
}
