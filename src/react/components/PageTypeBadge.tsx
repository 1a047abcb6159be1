export function PageTypeBadge({ pageType }: { pageType: string }) {
  return <span className={`badge badge-${pageType}`}>{pageType.replace("-", " ")}</span>;
}
