/**
 * What /stats shows when the dashboard is private and the caller has no valid
 * share link: a plain explanation, no figures and no panels (prds/private.md).
 */
export function PrivateDashboard({ linkRefused }: { /** A token was given, and the server refused it (revoked or mistyped). */ linkRefused: boolean }) {
  return (
    <section className="panel panel-wide empty-state private-dashboard" data-testid="private-dashboard" aria-labelledby="private-dashboard-heading">
      <h1 id="private-dashboard-heading">This dashboard is private</h1>
      <p>
        {linkRefused
          ? "This share link doesn't work: it was revoked, or it is incomplete. Ask the site's owner for a new one."
          : "Its statistics are shared by link only. Ask the site's owner for a share link."}
      </p>
    </section>
  );
}
