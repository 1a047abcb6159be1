import { describe, expect, it } from "vitest";
import { api, components } from "../../convex/_generated/api";
import { mountNameOf } from "../../src/client/mountName";
import { createTestConvex } from "../support/convex";

// The client names each mounted instance in the commands it shows its owner: a component cannot know its own name.
describe("LiveStats names the instance it wraps", () => {
  it("reads the mount name from the component's references", () => {
    expect(mountNameOf(components.liveStats)).toBe("liveStats");
    expect(mountNameOf(components.docsStats)).toBe("docsStats");
  });

  it("gives each site's banner its own rebuild command: the blog's own, else the component's under its name", async () => {
    const t = createTestConvex();
    expect((await t.query(api.stats.rulesCheck, {})).rebuildCommand).toBe("npx convex run stats:backfillAggregates '{}'");
    expect((await t.query(api.docsStats.rulesCheck, {})).rebuildCommand).toBe("npx convex run --component docsStats operate:backfill '{}'");
  });
});
