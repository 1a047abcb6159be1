import type { ReactNode } from "react";
import { NavLink, Link } from "react-router-dom";
import { useQuery } from "convex/react";
import { api } from "../../convex/_generated/api";
import { SITE_NAME } from "../hooks/useDocumentTitle";

export function Layout({ children }: { children: ReactNode }) {
  const pages = useQuery(api.content.listPages, {});
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <div className="container site-header-inner">
          <Link to="/" className="brand">
            <span className="brand-mark" aria-hidden="true" />
            {SITE_NAME}
          </Link>
          <nav aria-label="Main">
            <ul className="nav-list">
              <li>
                <NavLink to="/" end>
                  Posts
                </NavLink>
              </li>
              {pages?.map((page) => (
                <li key={page.slug}>
                  <NavLink to={`/${page.slug}`}>{page.title}</NavLink>
                </li>
              ))}
              <li>
                <NavLink to="/stats">Stats</NavLink>
              </li>
            </ul>
          </nav>
        </div>
      </header>
      <main id="main" className="container site-main" tabIndex={-1}>
        {children}
      </main>
      <footer className="site-footer">
        <div className="container">
          Counted without cookies or personal data: a path and a random id. <Link to="/stats">See the live stats</Link>.
        </div>
      </footer>
    </>
  );
}
