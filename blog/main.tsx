import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router-dom";
import { ConvexProvider, ConvexReactClient } from "convex/react";
import { App } from "./App";
import "./styles.css";

const root = createRoot(document.getElementById("root")!);
const url = import.meta.env.VITE_CONVEX_URL as string | undefined;

if (!url) {
  root.render(
    <main className="setup-error">
      <h1>Not connected to Convex</h1>
      <p>
        Set <code>VITE_CONVEX_URL</code> (run <code>npm run dev</code>, which writes it to <code>.env.local</code>) and reload.
      </p>
    </main>,
  );
} else {
  const convex = new ConvexReactClient(url);
  root.render(
    <StrictMode>
      <ConvexProvider client={convex}>
        <BrowserRouter>
          <App />
        </BrowserRouter>
      </ConvexProvider>
    </StrictMode>,
  );
}
