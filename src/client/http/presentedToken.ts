/** The caller's token for a private dashboard: `Authorization: Bearer <token>`, else `?token=` (what a share link's download uses). */
export function presentedToken(request: Request): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("Authorization") ?? "");
  return bearer?.[1] ?? new URL(request.url).searchParams.get("token") ?? undefined;
}
