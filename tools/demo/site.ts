import { startLocalConvex, type LocalConvex, type LocalConvexOptions } from "../local-convex/server";
import { newSyncSecret, syncSiteContent } from "./contentSync";

/** The site on a fresh local deployment, its content synced by the site's own sync. */
export async function startSite(options: LocalConvexOptions): Promise<{ server: LocalConvex; contentReport: string }> {
  const secret = newSyncSecret();
  const server = await startLocalConvex({ ...options, env: { ...options.env, CONTENT_SYNC_SECRET: secret } });
  try {
    return { server, contentReport: await syncSiteContent(server.url, secret) };
  } catch (error) {
    await server.close();
    throw error;
  }
}
