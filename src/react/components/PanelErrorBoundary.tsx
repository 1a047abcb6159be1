import { Component, type ReactNode } from "react";
import { isPrivateDashboardError } from "../lib/shareToken.js";

type Props = {
  children: ReactNode;
  /** Shown in place of the children once one of them threw (a failed query: useQuery throws); `retry` renders them again. */
  fallback: (retry: () => void, error: unknown) => ReactNode;
  /** A failed panel tries again by itself when this changes (another filter or range: a new question). */
  resetKey?: string;
};

type State = { failed: boolean; error?: unknown; privateDashboard?: boolean };

/**
 * Keeps a failure inside one panel of the dashboard: the panel shows its
 * fallback while the others go on updating. Retrying renders the panel again,
 * which subscribes afresh, so the query runs again.
 */
export class PanelErrorBoundary extends Component<Props, State> {
  state: State = { failed: false };

  static getDerivedStateFromError(error: unknown): State {
    // React reports the error itself (console.error); the panel only says it could not load.
    return { failed: true, error, privateDashboard: isPrivateDashboardError(error) };
  }

  private readonly retry = () => this.setState({ failed: false, error: undefined });

  componentDidUpdate(previous: Props) {
    if (this.state.failed && previous.resetKey !== this.props.resetKey) this.retry();
  }

  render() {
    // A private dashboard's refusal is no panel's failure: the page shows the private notice in its place (StatsDashboard).
    if (this.state.failed && this.state.privateDashboard) return null;
    return this.state.failed ? this.props.fallback(this.retry, this.state.error) : this.props.children;
  }
}

/** The short message a failed panel shows, with a way to try again. */
export function PanelError({ onRetry }: { onRetry: () => void }) {
  return (
    <div className="panel-error" role="alert">
      <p>Couldn't load this panel.</p>
      <button type="button" className="button button-quiet button-small" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}
