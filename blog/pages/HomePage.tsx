import { Link } from "react-router-dom";
import { useQuery } from "convex/react";
import { api } from "../../convex/_generated/api";
import { useDeclarePageType } from "../hooks/useDeclarePageType";
import { useDocumentTitle } from "../hooks/useDocumentTitle";
import { PageLoading } from "../components/PageLoading";
import { PostMeta } from "../components/PostMeta";

export function HomePage() {
  const posts = useQuery(api.content.listPosts, {});
  useDeclarePageType("home");
  useDocumentTitle(null);

  return (
    <>
      <section className="hero">
        <h1>Notes on counting, privately</h1>
        <p className="lede">A small blog whose readers are counted without cookies, and whose stats update live.</p>
      </section>
      {posts === undefined ? (
        <PageLoading label="Loading posts" />
      ) : posts.length === 0 ? (
        <p className="empty-note">
          No posts yet. Add markdown files to <code>content/blog/</code> and run <code>npm run sync</code>.
        </p>
      ) : (
        <ol className="post-list" aria-label="Posts">
          {posts.map((post) => (
            <li key={post.slug} className="post-card">
              <h2>
                <Link to={`/${post.slug}`}>{post.title}</Link>
              </h2>
              <PostMeta date={post.date} tags={post.tags} />
              {post.description && <p>{post.description}</p>}
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
