// `npm run demo`: the live dashboard in a minute, with no Convex account and no network.
import { startDemo } from "./startDemo";

const port = Number(process.env.PORT ?? 3300);
const started = performance.now();
console.log("Starting the offline demo (an in-memory Convex emulator; real deployments use `npx convex dev`)...");
const demo = await startDemo({ port, log: (line) => console.log(`[convex] ${line}`) }).catch((error: NodeJS.ErrnoException) => {
  if (error.code !== "EADDRINUSE") throw error;
  console.error(`Port ${port} is taken. Pick another: PORT=${port + 1} npm run demo`);
  process.exit(1);
});
const { sessions, days, views, visits, returningVisits, timeZone, content } = demo.seeded;
const { docs } = demo;

console.log(`
Content synced: ${content}
History: the last ${days} days, ${visits} visits by ${sessions} visitors (${returningVisits} of them returns), ${views} page views,
busier on weekdays and in the daytime (${timeZone}), from desktops, phones and tablets around the world,
arriving directly or from search, Hacker News, Reddit, GitHub, social media, the newsletter and blogs,
replayed through the real mutations (views and heartbeats).
A second site, the docs, tracked by its script tag: ${docs.seeded.visits} visits by ${docs.seeded.sessions} visitors, ${docs.seeded.views} page views,
sent to its own endpoint and counted apart from the blog's.
New simulated visitors keep arriving every few seconds on both.

  Blog:
    Dashboard: ${demo.url}/stats
    Site:      ${demo.url}/
    Events:    ${demo.server.siteUrl}/api/event (the HTTP actions, as at <deployment>.convex.site)
  Docs (a second site in the same deployment, pages simulated):
    Dashboard: ${demo.url}${docs.dashboardPath}
    Events:    ${docs.eventsUrl}

Ready in ${((performance.now() - started) / 1000).toFixed(1)} s. Open the site in another window to watch yourself arrive.
Everything lives in memory and is gone when you stop (Ctrl-C).`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void demo.stop().then(() => process.exit(0));
  });
}
