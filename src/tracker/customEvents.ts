// Custom events from the page (prds/events-client.md): what both trackers send, and the ones they send by themselves.

/** What a custom event carries besides its name; the server checks every limit (name, props, revenue), the page none. */
export type EventOptions = {
  props?: Record<string, string | number | boolean>;
  revenue?: { amount: number | string; currency: string };
};

/** Sends a custom event from the current page; never throws. */
export type TrackEvent = (name: string, options?: EventOptions) => void;

/** The events a tracker sends by itself, each off unless the site turns it on. */
export type AutomaticEvents = {
  /** `Outbound Link: Click` with `{ url }` for a click on a link to another host. */
  outboundLinks?: boolean;
  /** `File Download` with `{ url }` for a click on a link to a file (its path ends in a common extension). */
  fileDownloads?: boolean;
  /** `404` with `{ path }` once, on load: this page is the site's "not found" page. */
  notFound?: boolean;
};

export const OUTBOUND_LINK_EVENT = "Outbound Link: Click";
export const FILE_DOWNLOAD_EVENT = "File Download";
export const NOT_FOUND_EVENT = "404";

const DOWNLOAD_PATH = /\.(pdf|xlsx|docx|txt|rtf|csv|exe|key|pps|pptx?|7z|pkg|rar|gz|zip|avi|mov|mp4|mpeg|wmv|midi|mp3|wav|wma|dmg|iso|msi)$/i;

/** The `404` event of a page at `path`. */
export function trackNotFound(track: TrackEvent, path: string): void {
  track(NOT_FOUND_EVENT, { props: { path } });
}

/**
 * Sends `File Download` or `Outbound Link: Click`, as turned on, for each click (a middle click too:
 * it opens the link in a new tab) on a web link; returns what stops it. A link to a file is a
 * download wherever it points. The url is its origin and path: a query can carry someone's token.
 * With both off it listens to nothing.
 */
export function onLinkClick({ outboundLinks, fileDownloads }: AutomaticEvents, track: TrackEvent): () => void {
  if (!outboundLinks && !fileDownloads) return () => {};
  const onClick = (event: MouseEvent) => {
    const link = event.button < 2 && (event.target as Element).closest?.("a[href]");
    if (!(link instanceof HTMLAnchorElement) || !/^https?:$/.test(link.protocol)) return;
    const props = { url: link.origin + link.pathname };
    if (fileDownloads && DOWNLOAD_PATH.test(link.pathname)) track(FILE_DOWNLOAD_EVENT, { props });
    else if (outboundLinks && link.host !== location.host) track(OUTBOUND_LINK_EVENT, { props });
  };
  document.addEventListener("click", onClick);
  document.addEventListener("auxclick", onClick);
  return () => {
    document.removeEventListener("click", onClick);
    document.removeEventListener("auxclick", onClick);
  };
}
