import { act, cleanup, render, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { api } from "../../../convex/_generated/api";
import { useStableQuery } from "../../../src/react/hooks/useStableQuery";
import { StatCard } from "../../../src/react/components/StatCard";
import { ConvexTestBridge, ConvexTestProvider } from "../../support/testBridge";

let bridge: ConvexTestBridge;

beforeEach(async () => {
  bridge = new ConvexTestBridge();
  await bridge.syncContent({
    posts: [
      { slug: "older", title: "Older post", published: true, date: "2025-01-01" },
      { slug: "newer", title: "Newer post", published: true, date: "2025-03-01" },
    ],
    pages: [],
  });
});
afterEach(async () => {
  cleanup();
  await bridge.settled();
});

async function settle() {
  await act(() => bridge.settled());
}

function PostTitle({ slug }: { slug: string | null }) {
  const { data, isStale } = useStableQuery(api.content.getBySlug, slug === null ? "skip" : { slug });
  return (
    <p data-testid="title" data-stale={String(isStale)}>
      {data === undefined ? "loading" : (data?.title ?? "none")}
    </p>
  );
}

const title = () => screen.getByTestId("title");

describe("useStableQuery", () => {
  test("keeps the previous result, marked stale, until the new arguments' result arrives", async () => {
    const view = render(
      <ConvexTestProvider bridge={bridge}>
        <PostTitle slug="older" />
      </ConvexTestProvider>,
    );
    expect(title().textContent).toBe("loading");
    expect(title().dataset.stale).toBe("false");
    await settle();
    expect(title().textContent).toBe("Older post");

    view.rerender(
      <ConvexTestProvider bridge={bridge}>
        <PostTitle slug="newer" />
      </ConvexTestProvider>,
    );
    // The new subscription has no result yet: the old one stays on screen, marked stale, instead of "loading".
    expect(bridge.watchedArgs("content:getBySlug")).toEqual([{ slug: "newer" }]);
    expect(title().textContent).toBe("Older post");
    expect(title().dataset.stale).toBe("true");
    await settle();
    expect(title().textContent).toBe("Newer post");
    expect(title().dataset.stale).toBe("false");
  });

  test("keeps nothing across skip", async () => {
    const view = render(
      <ConvexTestProvider bridge={bridge}>
        <PostTitle slug="older" />
      </ConvexTestProvider>,
    );
    await settle();
    view.rerender(
      <ConvexTestProvider bridge={bridge}>
        <PostTitle slug={null} />
      </ConvexTestProvider>,
    );
    expect(title().textContent).toBe("loading");
    expect(title().dataset.stale).toBe("false");
  });

  test("a card fed by it keeps its figure, dimmed, when its arguments change: no skeleton", async () => {
    function ActiveNow({ now }: { now: number }) {
      // `now` is a legacy argument the server ignores; changing it still starts a new subscription, as it did on /stats.
      const { data, isStale } = useStableQuery(api.stats.getActiveVisitors, { now });
      return <StatCard testId="active" label="Active now" value={data?.activeVisitors.toString()} stale={isStale} />;
    }
    const app = (now: number) => (
      <ConvexTestProvider bridge={bridge}>
        <ActiveNow now={now} />
      </ConvexTestProvider>
    );
    await act(() => bridge.mutation(api.stats.heartbeat, { sessionId: crypto.randomUUID(), currentPath: "/older" }));
    await settle();
    const view = render(app(10_000));
    await settle();
    const card = () => screen.getByTestId("active");
    const value = () => within(card()).queryByTestId("stat-value")?.textContent;
    expect(value()).toBe("1");
    expect(card().getAttribute("aria-busy")).toBeNull();

    view.rerender(app(20_000));
    expect(value()).toBe("1");
    expect(card().getAttribute("aria-busy")).toBe("true");
    expect(card().classList.contains("is-stale")).toBe(true);
    await settle();
    expect(value()).toBe("1");
    expect(card().getAttribute("aria-busy")).toBeNull();
    expect(card().classList.contains("is-stale")).toBe(false);
  });
});
