import { formatDate } from "../../src/react/lib/format";

export function PostMeta({ date, tags }: { date?: string; tags?: string[] }) {
  return (
    <p className="post-meta">
      {date && <time dateTime={date}>{formatDate(date)}</time>}
      {tags?.map((tag) => (
        <span key={tag} className="tag">
          {tag}
        </span>
      ))}
    </p>
  );
}
