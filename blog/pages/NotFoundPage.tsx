import { Link } from "react-router-dom";
import { api } from "../../convex/_generated/api";
import { useTrackEvent } from "../../src/react/tracker";
import { useDeclarePageType } from "../hooks/useDeclarePageType";
import { useDocumentTitle } from "../hooks/useDocumentTitle";

export function NotFoundPage() {
  useDeclarePageType("not-found");
  useDocumentTitle("Not found");
  // A "404" event with the path asked for: the owner sees broken links in the Conversions panel.
  useTrackEvent(api.stats, { notFound: true });
  return (
    <section className="not-found">
      <p className="not-found-code" aria-hidden="true">
        404
      </p>
      <h1>This page does not exist</h1>
      <p>It may have been unpublished or moved.</p>
      <p>
        <Link to="/" className="button">
          Back to all posts
        </Link>
      </p>
    </section>
  );
}
