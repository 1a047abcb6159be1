// A post's calendar day, "2025-06-01" → "Jun 1, 2025": a day, not midnight UTC, so it never shifts with the time zone.
const dayFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "medium" });
const formatDate = (day: string) => dayFormat.format(new Date(`${day}T00:00:00`));

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
