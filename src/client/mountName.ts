import { getFunctionAddress } from "convex/server";
import type { ComponentApi } from "../component/_generated/component.js";

/** The name an app mounts a component by (`components.docsStats` → "docsStats"), read from one of its references. */
export function mountNameOf(component: ComponentApi): string | undefined {
  const { reference } = getFunctionAddress(component.read.rulesCheck) as { reference?: string };
  return reference?.match(/^_reference\/childComponent\/([^/]+)\//)?.[1];
}
