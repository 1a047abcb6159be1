/**
 * A visit's context as the tracker sends it (prds/visits.md, "What the tracker sends"),
 * checked and reduced to the categories the server stores ("What the server keeps").
 * Pure: no database, no Node built-ins (bowser, isbot and countries-and-timezones are plain
 * JavaScript), so it runs in Convex's default runtime, the browser and tests alike.
 */
import Bowser from "bowser";
import { getCountryForTimezone } from "countries-and-timezones";
import { isbot } from "isbot";
import { ConvexError, v, type Infer } from "convex/values";
import { DIRECT_SOURCE, MAX_USER_AGENT_BYTES, MAX_VISIT_FIELD_BYTES, SCREEN_CLASSES, UNKNOWN_VALUE } from "../../shared/config.js";
import { checkedText, utf8Bytes, type InvalidArgument } from "../../shared/validation.js";

export const vVisitContext = v.object({
  referrer: v.optional(v.string()),
  utmSource: v.optional(v.string()),
  utmMedium: v.optional(v.string()),
  utmCampaign: v.optional(v.string()),
  utmTerm: v.optional(v.string()),
  utmContent: v.optional(v.string()),
  screenWidth: v.optional(v.number()),
  language: v.optional(v.string()),
  timeZone: v.optional(v.string()),
  userAgent: v.optional(v.string()),
});
export type VisitContext = Infer<typeof vVisitContext>;

export const vVisitAttributes = v.object({
  source: v.string(),
  referrer: v.optional(v.string()),
  utmSource: v.optional(v.string()),
  utmMedium: v.optional(v.string()),
  utmCampaign: v.optional(v.string()),
  browser: v.string(),
  browserVersion: v.string(),
  os: v.string(),
  device: v.string(),
  country: v.string(),
  language: v.string(),
  screen: v.string(),
});
export type VisitAttributes = Infer<typeof vVisitAttributes>;

/** The widest viewport we believe, in CSS px (an 8K screen at 1x is 7,680). */
const MAX_SCREEN_WIDTH = 100_000;

function reject(field: string, message: string): never {
  throw new ConvexError<InvalidArgument>({ code: "INVALID_ARGUMENT", field, message });
}

/** A field as sent (prds/visits.md): display text of at most `maxBytes`; absent stays absent. */
function checkedString(context: VisitContext, name: keyof VisitContext, maxBytes = MAX_VISIT_FIELD_BYTES): string | undefined {
  const value: unknown = context[name];
  return value === undefined ? undefined : checkedText(value, `visit.${name}`, maxBytes);
}

/** A UTM value as stored: trimmed, inner whitespace runs made one space; empty is absent. */
function utmValue(context: VisitContext, name: "utmSource" | "utmMedium" | "utmCampaign" | "utmTerm" | "utmContent"): string | undefined {
  const value = checkedString(context, name)?.trim().replace(/\s+/g, " ");
  return value || undefined;
}

// ---------------------------------------------------------------------------------------------
// Sources

/** True when `host` is `domain` or one of its subdomains. */
function hostIs(host: string, domain: string): boolean {
  return host === domain || host.endsWith(`.${domain}`);
}

/** Known referrer hosts, by the readable name the dashboard shows. */
const KNOWN_HOSTS: ReadonlyArray<{ name: string; matches: (host: string) => boolean }> = [
  // google.com, google.de, google.co.uk, google.com.au, and their subdomains (www., news., ...).
  { name: "Google", matches: (host) => /(^|\.)google\.((co|com)\.)?[a-z]{2,}$/.test(host) },
  { name: "Bing", matches: (host) => hostIs(host, "bing.com") },
  { name: "DuckDuckGo", matches: (host) => hostIs(host, "duckduckgo.com") },
  { name: "Hacker News", matches: (host) => host === "news.ycombinator.com" },
  { name: "Reddit", matches: (host) => hostIs(host, "reddit.com") || host === "redd.it" },
  { name: "GitHub", matches: (host) => hostIs(host, "github.com") },
  { name: "LinkedIn", matches: (host) => hostIs(host, "linkedin.com") || host === "lnkd.in" },
  { name: "X (Twitter)", matches: (host) => hostIs(host, "twitter.com") || hostIs(host, "x.com") || host === "t.co" },
  { name: "Facebook", matches: (host) => hostIs(host, "facebook.com") || hostIs(host, "fb.com") },
];

/** Known `utm_source` (or `ref`, `source`) values, lower case, by readable name. */
const KNOWN_UTM_SOURCES: ReadonlyMap<string, string> = new Map([
  ["google", "Google"],
  ["bing", "Bing"],
  ["duckduckgo", "DuckDuckGo"],
  ["ddg", "DuckDuckGo"],
  ["hn", "Hacker News"],
  ["hackernews", "Hacker News"],
  ["hacker news", "Hacker News"],
  ["hacker-news", "Hacker News"],
  ["reddit", "Reddit"],
  ["github", "GitHub"],
  ["linkedin", "LinkedIn"],
  ["twitter", "X (Twitter)"],
  ["x", "X (Twitter)"],
  ["facebook", "Facebook"],
  ["fb", "Facebook"],
  ["newsletter", "Newsletter"],
]);

function knownHostName(host: string): string | undefined {
  return KNOWN_HOSTS.find((known) => known.matches(host))?.name;
}

/** The readable name of a UTM source: by its value ("hn"), or by the host it names ("news.ycombinator.com"). */
function knownUtmSourceName(utmSource: string): string | undefined {
  const lower = utmSource.toLowerCase();
  const byName = KNOWN_UTM_SOURCES.get(lower);
  if (byName) return byName;
  const host = lower.replace(/^https?:\/\//, "").replace(/[/?#].*$/, "");
  return /^[a-z0-9.-]+\.[a-z]{2,}$/.test(host) ? knownHostName(host) : undefined;
}

function isNewsletter(utmSource: string | undefined, utmMedium: string | undefined): boolean {
  const source = utmSource?.toLowerCase() ?? "";
  const medium = utmMedium?.toLowerCase() ?? "";
  return source.includes("newsletter") || medium.includes("newsletter") || medium === "email" || medium === "e-mail";
}

type Referrer = { host: string; stored: string };

/**
 * An external referrer: an http(s) URL, kept as lower-case host + path (no scheme, credentials,
 * query or fragment, no trailing slash; the bare "/" path leaves just the host). An empty
 * string is no referrer; anything else that is not an http(s) URL is refused.
 */
function parseReferrer(context: VisitContext): Referrer | undefined {
  const raw = checkedString(context, "referrer")?.trim();
  if (!raw) return undefined;
  const field = "visit.referrer";
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    reject(field, `${field} must be an http(s) URL`);
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || !url.hostname) reject(field, `${field} must be an http(s) URL`);
  const host = url.host.toLowerCase().replace(/\.$/, "").replace(/\.:/, ":");
  const path = url.pathname.replace(/\/+$/, "");
  const stored = host + path;
  // A browser's referrer is already serialised; only a hand-made one grows when percent-encoded.
  if (utf8Bytes(stored) > MAX_VISIT_FIELD_BYTES) reject(field, `${field} must be at most ${MAX_VISIT_FIELD_BYTES} bytes (UTF-8) as a URL`);
  return { host: url.hostname.toLowerCase().replace(/\.$/, ""), stored };
}

/**
 * Where the visit came from: a known UTM source's name, else Newsletter for a newsletter or email
 * campaign, else the UTM source as sent, else a known referrer's name, else the referrer's host
 * without "www.", else Direct / None.
 */
function visitSource(referrer: Referrer | undefined, utmSource: string | undefined, utmMedium: string | undefined): string {
  if (utmSource) {
    const known = knownUtmSourceName(utmSource);
    if (known) return known;
  }
  if (isNewsletter(utmSource, utmMedium)) return "Newsletter";
  if (utmSource) return utmSource;
  if (referrer) return knownHostName(referrer.host) ?? referrer.host.replace(/^www\./, "");
  return DIRECT_SOURCE;
}

// ---------------------------------------------------------------------------------------------
// Browser, OS and device (bowser)

/** bowser's names where the common one is shorter. */
const BROWSER_NAMES: Readonly<Record<string, string>> = {
  "Microsoft Edge": "Edge",
  "Samsung Internet for Android": "Samsung Internet",
  "NAVER Whale Browser": "Whale",
  "Amazon Silk": "Silk",
};
const OS_NAMES: Readonly<Record<string, string>> = {
  "Chrome OS": "ChromeOS",
};
const DEVICES: Readonly<Record<string, string>> = {
  desktop: "Desktop",
  mobile: "Mobile",
  tablet: "Tablet",
  tv: "TV",
};
/** Systems that run only on desktops and laptops: bowser leaves ChromeOS's platform type empty. */
const DESKTOP_OSES = new Set(["Windows", "macOS", "Linux", "ChromeOS"]);

type Agent = Pick<VisitAttributes, "browser" | "browserVersion" | "os" | "device">;

function unknownAgent(): Agent {
  return { browser: UNKNOWN_VALUE, browserVersion: UNKNOWN_VALUE, os: UNKNOWN_VALUE, device: UNKNOWN_VALUE };
}

/** The browsers bowser knows by name. */
const BOWSER_BROWSERS = new Set(Object.values(Bowser.BROWSER_MAP));

/**
 * The browser bowser recognised, or undefined. Its last parser takes any other user agent and names
 * it by what precedes its slash ("Buy cheap pills at evil dot com/1.0 (Windows NT 10.0)"): the
 * sender's words, not a browser. A name that begins the user agent so and is none of bowser's
 * browsers came from there; a known one may begin it ("Opera/9.80 …").
 */
function recognisedBrowser(userAgent: string, name: string | undefined): string | undefined {
  if (!name?.trim()) return undefined;
  if (userAgent.startsWith(`${name}/`) && !BOWSER_BROWSERS.has(name)) return undefined;
  return name.trim();
}

function parseUserAgent(userAgent: string | undefined): Agent {
  if (!userAgent?.trim()) return unknownAgent();
  let parsed: Bowser.Parser.ParsedResult;
  try {
    parsed = Bowser.parse(userAgent);
  } catch {
    return unknownAgent();
  }
  const bowserBrowser = recognisedBrowser(userAgent, parsed.browser.name);
  const browser = bowserBrowser ? (BROWSER_NAMES[bowserBrowser] ?? bowserBrowser) : UNKNOWN_VALUE;
  const major = /^\d+/.exec(parsed.browser.version ?? "")?.[0];
  const browserVersion = browser === UNKNOWN_VALUE ? UNKNOWN_VALUE : major ? `${browser} ${major}` : browser;
  const bowserOs = parsed.os.name?.trim();
  const os = bowserOs ? (OS_NAMES[bowserOs] ?? bowserOs) : UNKNOWN_VALUE;
  const type = parsed.platform.type;
  const device = (type && DEVICES[type]) ?? (!type && DESKTOP_OSES.has(os) ? "Desktop" : UNKNOWN_VALUE);
  return { browser, browserVersion, os, device };
}

// ---------------------------------------------------------------------------------------------
// Country, language, screen

/** The shape of an IANA zone name ("Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5"). */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/** The country of a time zone (its main one where several share it); Unknown for UTC, Etc/* or a zone no one lists. */
function countryOf(timeZone: string | undefined): string {
  const zone = timeZone?.trim();
  if (!zone || !ZONE_NAME.test(zone)) return UNKNOWN_VALUE;
  const id = getCountryForTimezone(zone)?.id;
  return typeof id === "string" && /^[A-Z]{2}$/.test(id) ? id : UNKNOWN_VALUE;
}

/** The primary language subtag in lower case ("en-US" → "en"); Unknown unless it is 2 or 3 letters. */
function languageOf(language: string | undefined): string {
  const primary = language?.trim().split(/[-_]/)[0]?.toLowerCase() ?? "";
  return /^[a-z]{2,3}$/.test(primary) ? primary : UNKNOWN_VALUE;
}

function screenOf(context: VisitContext): string {
  const width: unknown = context.screenWidth;
  if (width === undefined) return UNKNOWN_VALUE;
  const field = "visit.screenWidth";
  if (typeof width !== "number" || !Number.isFinite(width) || width < 0 || width > MAX_SCREEN_WIDTH) {
    reject(field, `${field} must be a finite number of CSS pixels from 0 to ${MAX_SCREEN_WIDTH}`);
  }
  return SCREEN_CLASSES.find((screen) => width < screen.below)!.name;
}

// ---------------------------------------------------------------------------------------------

/**
 * Validates a view's visit context and derives the categories a visit stores. Throws
 * `ConvexError({ code: "INVALID_ARGUMENT", field: "visit.<name>", message })` for a value that is
 * too long, not a string (or finite number), contains control or format characters, or is malformed (a
 * referrer that is not an http(s) URL; a screen width outside 0..100,000). A value that is
 * well-formed but unrecognised (a time zone no one lists, a language tag that is no language, a
 * user agent naming no browser bowser knows) is Unknown. No context: every category Unknown, source Direct / None.
 */
export function visitAttributes(context: VisitContext | undefined): VisitAttributes {
  const visit: VisitContext = context ?? {};
  if (typeof visit !== "object" || visit === null) reject("visit", "visit must be an object");
  const referrer = parseReferrer(visit);
  const utmSource = utmValue(visit, "utmSource");
  const utmMedium = utmValue(visit, "utmMedium");
  const utmCampaign = utmValue(visit, "utmCampaign");
  // Not stored, but checked like the others so a bad one is refused the same way.
  utmValue(visit, "utmTerm");
  utmValue(visit, "utmContent");
  const language = checkedString(visit, "language");
  const timeZone = checkedString(visit, "timeZone");
  const userAgent = checkedString(visit, "userAgent", MAX_USER_AGENT_BYTES);
  const screen = screenOf(visit);

  const attributes: VisitAttributes = {
    source: visitSource(referrer, utmSource, utmMedium),
    ...parseUserAgent(userAgent),
    country: countryOf(timeZone),
    language: languageOf(language),
    screen,
  };
  if (referrer) attributes.referrer = referrer.stored;
  if (utmSource) attributes.utmSource = utmSource;
  if (utmMedium) attributes.utmMedium = utmMedium;
  if (utmCampaign) attributes.utmCampaign = utmCampaign;
  return attributes;
}

/** True when the user agent is a bot, crawler, HTTP library or headless browser (per `isbot`); false when absent. */
export function isBotUserAgent(userAgent: string | undefined): boolean {
  return typeof userAgent === "string" && isbot(userAgent);
}
