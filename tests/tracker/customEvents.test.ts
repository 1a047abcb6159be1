import { afterEach, describe, expect, test, vi } from "vitest";
import { FILE_DOWNLOAD_EVENT, NOT_FOUND_EVENT, OUTBOUND_LINK_EVENT, onLinkClick, trackNotFound } from "../../src/tracker/customEvents";
import { clickLink } from "./clicks";

// This file runs at the test environment's own URL, http://localhost:3000.

let stop = () => {};
afterEach(() => stop());

function listen(options: { outboundLinks?: boolean; fileDownloads?: boolean }) {
  const track = vi.fn();
  stop = onLinkClick(options, track);
  return track;
}

describe("onLinkClick", () => {
  test("outbound links: a click on a link to another host, with its origin and path (no query, no fragment)", () => {
    const track = listen({ outboundLinks: true });
    clickLink("https://github.com/get-convex/convex?token=secret#readme");
    clickLink("http://localhost:3000/about");
    clickLink("/pricing");
    clickLink("http://localhost:4000/");
    expect(track.mock.calls).toEqual([
      [OUTBOUND_LINK_EVENT, { props: { url: "https://github.com/get-convex/convex" } }],
      [OUTBOUND_LINK_EVENT, { props: { url: "http://localhost:4000/" } }],
    ]);
  });

  test("file downloads: a link whose path ends in a common extension, on this site or another, in any case", () => {
    const track = listen({ fileDownloads: true });
    for (const href of ["/files/report.pdf?v=2", "https://cdn.example.com/app.DMG", "/data.csv", "/slides.pptx", "/archive.tar.gz"]) clickLink(href);
    for (const href of ["/report.pdf/", "/blog/pdf", "/index.html", "https://example.com/"]) clickLink(href);
    expect(track.mock.calls).toEqual([
      [FILE_DOWNLOAD_EVENT, { props: { url: "http://localhost:3000/files/report.pdf" } }],
      [FILE_DOWNLOAD_EVENT, { props: { url: "https://cdn.example.com/app.DMG" } }],
      [FILE_DOWNLOAD_EVENT, { props: { url: "http://localhost:3000/data.csv" } }],
      [FILE_DOWNLOAD_EVENT, { props: { url: "http://localhost:3000/slides.pptx" } }],
      [FILE_DOWNLOAD_EVENT, { props: { url: "http://localhost:3000/archive.tar.gz" } }],
    ]);
  });

  test("both on: a file on another host is a download, not also an outbound click", () => {
    const track = listen({ outboundLinks: true, fileDownloads: true });
    clickLink("https://cdn.example.com/setup.exe");
    clickLink("https://example.com/");
    expect(track.mock.calls.map(([name]) => name)).toEqual([FILE_DOWNLOAD_EVENT, OUTBOUND_LINK_EVENT]);
  });

  test("a middle click opens the link too; a right click (the context menu) and links that are not web pages send nothing", () => {
    const track = listen({ outboundLinks: true });
    clickLink("https://example.com/middle", { type: "auxclick", button: 1 });
    clickLink("https://example.com/right", { type: "auxclick", button: 2 });
    for (const href of ["mailto:someone@example.com", "tel:+15550100", "javascript:void(0)"]) clickLink(href);
    expect(track.mock.calls).toEqual([[OUTBOUND_LINK_EVENT, { props: { url: "https://example.com/middle" } }]]);
  });

  test("a click that is not on a link, and every click once stopped or with both off, sends nothing", () => {
    const track = listen({ outboundLinks: true, fileDownloads: true });
    document.body.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    stop();
    clickLink("https://example.com/");
    stop = onLinkClick({}, track);
    clickLink("https://example.com/file.zip");
    expect(track).not.toHaveBeenCalled();
  });
});

test("trackNotFound: the 404 event, with the path not found", () => {
  const track = vi.fn();
  trackNotFound(track, "/no-such-page");
  expect(track).toHaveBeenCalledWith(NOT_FOUND_EVENT, { props: { path: "/no-such-page" } });
});
