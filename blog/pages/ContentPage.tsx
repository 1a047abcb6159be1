import { lazy, Suspense } from "react";
import { useParams } from "react-router-dom";
import { useQuery } from "convex/react";
import { api } from "../../convex/_generated/api";
import { useDeclarePageType } from "../hooks/useDeclarePageType";
import { useDocumentTitle } from "../hooks/useDocumentTitle";
import { PageLoading } from "../components/PageLoading";
import { PostMeta } from "../components/PostMeta";
import { NotFoundPage } from "./NotFoundPage";

// The markdown renderer is the largest dependency; only readers of a post or page load it.
const Markdown = lazy(() => import("../components/Markdown"));

/** `/:slug`: a published post, else a published page, else not found. */
export function ContentPage() {
  const { slug = "" } = useParams();
  const content = useQuery(api.content.getBySlug, { slug });
  useDeclarePageType(content === undefined ? null : content === null ? "not-found" : content.kind);
  useDocumentTitle(content?.title ?? null);

  if (content === undefined) return <PageLoading label="Loading" />;
  if (content === null) return <NotFoundPage />;
  return (
    <article className="article">
      <header className="article-header">
        <h1>{content.title}</h1>
        {content.kind === "post" && <PostMeta date={content.date} tags={content.tags} />}
      </header>
      <Suspense fallback={<PageLoading label="Loading" />}>
        <Markdown source={content.content} />
      </Suspense>
    </article>
  );
}
