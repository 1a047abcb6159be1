import { isLocalHost } from "../tracker/trackingAllowed.js";
import { startTracking } from "./tracker.js";

// The built script.js: `<script defer src="/script.js" data-api="https://<deployment>.convex.site"></script>` (prds/script.md).
const script = document.currentScript;
// A flag attribute is on when present without a value or "true".
const isOn = (value: string | undefined) => value === "" || value === "true";
const api = script?.dataset.api;
// Nothing from a developer's own machine unless data-allow-localhost says so.
if (api && (isOn(script.dataset.allowLocalhost) || !isLocalHost(location.hostname))) {
  const { hash, outboundLinks, fileDownloads, 404: notFound } = script.dataset;
  startTracking({ api, hashRouting: isOn(hash), outboundLinks: isOn(outboundLinks), fileDownloads: isOn(fileDownloads), notFound: isOn(notFound) });
}
