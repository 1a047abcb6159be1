import type { BreakdownPanelSpec } from "./BreakdownPanel.js";

/** The dashboard's four breakdown panels and their tabs, as Plausible arranges them. */
export const SOURCES_PANEL: BreakdownPanelSpec<"sources" | "referrers" | "campaigns" | "mediums" | "utm-sources"> = {
  id: "sources",
  title: "Sources",
  tabs: [
    { id: "sources", label: "Sources", property: "source", column: "Source" },
    { id: "referrers", label: "Referrers", property: "referrer", column: "Referrer" },
    { id: "campaigns", label: "Campaigns", property: "utmCampaign", column: "Campaign" },
    { id: "mediums", label: "Mediums", property: "utmMedium", column: "UTM medium" },
    { id: "utm-sources", label: "UTM sources", property: "utmSource", column: "UTM source" },
  ],
};

export const PAGES_PANEL: BreakdownPanelSpec<"top" | "entry" | "exit"> = {
  id: "pages",
  title: "Pages",
  tabs: [
    { id: "top", label: "Top pages", property: "page", column: "Page", testId: "top-pages" },
    { id: "entry", label: "Entry pages", property: "entryPage", column: "Entry page", visitsLabel: "Entrances" },
    { id: "exit", label: "Exit pages", property: "exitPage", column: "Exit page", visitsLabel: "Exits" },
  ],
};

export const LOCATIONS_PANEL: BreakdownPanelSpec<"countries" | "languages"> = {
  id: "locations",
  title: "Locations",
  tabs: [
    { id: "countries", label: "Countries", property: "country", column: "Country" },
    { id: "languages", label: "Languages", property: "language", column: "Language" },
  ],
};

export const DEVICES_PANEL: BreakdownPanelSpec<"browsers" | "os" | "screens" | "devices"> = {
  id: "devices",
  title: "Devices",
  tabs: [
    { id: "browsers", label: "Browser", property: "browser", column: "Browser" },
    { id: "os", label: "OS", property: "os", column: "Operating system" },
    { id: "screens", label: "Screen", property: "screen", column: "Screen size" },
    { id: "devices", label: "Device", property: "device", column: "Device" },
  ],
};
