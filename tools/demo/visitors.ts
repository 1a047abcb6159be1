import type { VisitContext } from "../../src/component/record/visitAttributes";

// Who the demo's simulated visitors are and where they come from: their browsers (real user
// agents, none a bot), screens, places (time zone and language) and, for each visit, how they
// arrived (referrer or UTM campaign). The server derives every category the dashboard shows from
// these (component/record/visitAttributes.ts), as it does from a real tracker's calls.

export type Random = () => number;

type Weighted<T> = { weight: number; value: T };

function weighted<T>(random: Random, choices: readonly Weighted<T>[]): T {
  let left = random() * choices.reduce((sum, choice) => sum + choice.weight, 0);
  return (choices.find((choice) => (left -= choice.weight) < 0) ?? choices[choices.length - 1]).value;
}

const oneOf = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)];

/** A browser on a device: its user agent and the window widths (CSS px) it is seen at. */
type Browser = { userAgent: string; widths: readonly number[] };

const DESKTOP_WIDTHS = [1280, 1366, 1440, 1512, 1536, 1680, 1728, 1920, 2560];
const LAPTOP_WIDTHS = [1280, 1366, 1440, 1512, 1536];
const PHONE_WIDTHS = [360, 375, 390, 393, 412, 414, 430];
const TABLET_WIDTHS = [768, 800, 810, 820, 834];

/** About 60% desktop (Windows, macOS, Linux), 35% phones (iPhone, Android), a few tablets. */
const BROWSERS: readonly Weighted<Browser>[] = [
  // Desktop
  { weight: 21, value: { userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", widths: DESKTOP_WIDTHS } },
  { weight: 7, value: { userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", widths: DESKTOP_WIDTHS } },
  { weight: 5, value: { userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", widths: DESKTOP_WIDTHS } },
  { weight: 12, value: { userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", widths: LAPTOP_WIDTHS } },
  { weight: 7, value: { userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", widths: LAPTOP_WIDTHS } },
  { weight: 2, value: { userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0", widths: LAPTOP_WIDTHS } },
  { weight: 3, value: { userAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", widths: DESKTOP_WIDTHS } },
  { weight: 3, value: { userAgent: "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", widths: DESKTOP_WIDTHS } },
  // Phones
  { weight: 15, value: { userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", widths: PHONE_WIDTHS } },
  { weight: 2, value: { userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1", widths: PHONE_WIDTHS } },
  { weight: 13, value: { userAgent: "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", widths: PHONE_WIDTHS } },
  { weight: 5, value: { userAgent: "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36", widths: PHONE_WIDTHS } },
  // Tablets
  { weight: 3, value: { userAgent: "Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.7 Mobile/15E148 Safari/604.1", widths: TABLET_WIDTHS } },
  { weight: 2, value: { userAgent: "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", widths: TABLET_WIDTHS } },
];

/** A place: a time zone (its country is what the dashboard shows), the languages its browsers send, its Google. */
type Place = { timeZone: string; languages: readonly Weighted<string>[]; google: string };

const english = (locale: string): Weighted<string>[] => [{ weight: 1, value: locale }];
/** Many readers of a developer blog outside English-speaking countries browse in English all the same. */
const localOrEnglish = (locale: string, local = 0.65): Weighted<string>[] => [
  { weight: local, value: locale },
  { weight: 1 - local, value: "en-US" },
];

const PLACES: readonly Weighted<Place>[] = [
  { weight: 13, value: { timeZone: "America/New_York", languages: english("en-US"), google: "www.google.com" } },
  { weight: 6, value: { timeZone: "America/Chicago", languages: english("en-US"), google: "www.google.com" } },
  { weight: 2, value: { timeZone: "America/Denver", languages: english("en-US"), google: "www.google.com" } },
  { weight: 9, value: { timeZone: "America/Los_Angeles", languages: english("en-US"), google: "www.google.com" } },
  { weight: 9, value: { timeZone: "Europe/Berlin", languages: localOrEnglish("de-DE"), google: "www.google.de" } },
  { weight: 8, value: { timeZone: "Europe/London", languages: english("en-GB"), google: "www.google.co.uk" } },
  { weight: 8, value: { timeZone: "Asia/Kolkata", languages: [{ weight: 0.8, value: "en-IN" }, { weight: 0.2, value: "en-US" }], google: "www.google.co.in" } },
  { weight: 5, value: { timeZone: "Europe/Paris", languages: localOrEnglish("fr-FR"), google: "www.google.fr" } },
  { weight: 4, value: { timeZone: "America/Sao_Paulo", languages: localOrEnglish("pt-BR", 0.8), google: "www.google.com.br" } },
  { weight: 4, value: { timeZone: "Asia/Tokyo", languages: localOrEnglish("ja-JP", 0.85), google: "www.google.co.jp" } },
  { weight: 3, value: { timeZone: "America/Toronto", languages: [{ weight: 0.8, value: "en-CA" }, { weight: 0.2, value: "fr-CA" }], google: "www.google.ca" } },
  { weight: 1, value: { timeZone: "America/Vancouver", languages: english("en-CA"), google: "www.google.ca" } },
  { weight: 3, value: { timeZone: "Australia/Sydney", languages: english("en-AU"), google: "www.google.com.au" } },
  { weight: 3, value: { timeZone: "Europe/Amsterdam", languages: localOrEnglish("nl-NL", 0.5), google: "www.google.nl" } },
  { weight: 2.5, value: { timeZone: "Europe/Madrid", languages: localOrEnglish("es-ES"), google: "www.google.es" } },
  { weight: 2, value: { timeZone: "Europe/Stockholm", languages: localOrEnglish("sv-SE", 0.5), google: "www.google.se" } },
  { weight: 2, value: { timeZone: "Europe/Warsaw", languages: localOrEnglish("pl-PL"), google: "www.google.pl" } },
  { weight: 2, value: { timeZone: "Europe/Rome", languages: localOrEnglish("it-IT"), google: "www.google.it" } },
  { weight: 1.5, value: { timeZone: "Asia/Seoul", languages: localOrEnglish("ko-KR", 0.85), google: "www.google.co.kr" } },
  { weight: 1.5, value: { timeZone: "Asia/Singapore", languages: english("en-SG"), google: "www.google.com.sg" } },
  { weight: 1.5, value: { timeZone: "America/Mexico_City", languages: localOrEnglish("es-MX"), google: "www.google.com.mx" } },
  { weight: 1, value: { timeZone: "Europe/Zurich", languages: localOrEnglish("de-CH", 0.5), google: "www.google.ch" } },
  { weight: 1, value: { timeZone: "Europe/Kyiv", languages: localOrEnglish("uk-UA", 0.6), google: "www.google.com.ua" } },
  { weight: 1, value: { timeZone: "Europe/Dublin", languages: english("en-IE"), google: "www.google.ie" } },
];

/** One browser of one visitor: the same on every visit (a returning visitor is the same browser). */
export type VisitorProfile = Required<Pick<VisitContext, "userAgent" | "screenWidth" | "language" | "timeZone">> & { google: string };

export function randomVisitor(random: Random): VisitorProfile {
  const browser = weighted(random, BROWSERS);
  const place = weighted(random, PLACES);
  return {
    userAgent: browser.userAgent,
    screenWidth: oneOf(random, browser.widths),
    timeZone: place.timeZone,
    language: weighted(random, place.languages),
    google: place.google,
  };
}

/** What the tracker sends with every view: the browser's context, without how it arrived. */
export function browserContext(visitor: VisitorProfile): VisitContext {
  const { userAgent, screenWidth, language, timeZone } = visitor;
  return { userAgent, screenWidth, language, timeZone };
}

/** How a visit arrived, as the tracker sends it on the visit's first view: a referrer (origin + path, no query) or UTM. */
export type Arrival = Pick<VisitContext, "referrer" | "utmSource" | "utmMedium" | "utmCampaign">;

/** Where a visit lands and how long its reader tends to stay, by how it arrived. */
export type ArrivalKind = "direct" | "search" | "social" | "community" | "newsletter" | "blog";

type Source = { kind: ArrivalKind; arrival: (random: Random, visitor: VisitorProfile) => Arrival };

const NEWSLETTER_CAMPAIGNS = ["weekly-digest", "weekly-digest", "launch-week", "reader-survey"];

/** For a new visitor: about 32% direct, 27% Google, then Hacker News, Reddit, GitHub, X, LinkedIn, the newsletter, DuckDuckGo, Bing and two blogs. */
const SOURCES: readonly Weighted<Source>[] = [
  { weight: 30, value: { kind: "direct", arrival: () => ({}) } },
  { weight: 25, value: { kind: "search", arrival: (_, visitor) => ({ referrer: `https://${visitor.google}/` }) } },
  { weight: 7, value: { kind: "community", arrival: (random) => ({ referrer: oneOf(random, ["https://news.ycombinator.com/item", "https://news.ycombinator.com/item", "https://news.ycombinator.com/"]) }) } },
  {
    weight: 6,
    value: {
      kind: "community",
      arrival: (random) => ({ referrer: oneOf(random, ["https://www.reddit.com/r/programming/", "https://www.reddit.com/r/webdev/", "https://old.reddit.com/r/javascript/", "https://www.reddit.com/"]) }),
    },
  },
  { weight: 5, value: { kind: "community", arrival: (random) => ({ referrer: oneOf(random, ["https://github.com/", "https://github.com/get-convex/convex-backend", "https://github.com/topics/analytics"]) }) } },
  { weight: 4, value: { kind: "social", arrival: (random) => ({ referrer: `https://t.co/${oneOf(random, ["x7Kq2LmZpA", "bR4nT8wQeC", "Jd93kPz1Vu"])}` }) } },
  { weight: 3, value: { kind: "social", arrival: () => ({ referrer: "https://www.linkedin.com/" }) } },
  { weight: 4, value: { kind: "newsletter", arrival: (random) => ({ utmSource: "newsletter", utmMedium: "email", utmCampaign: oneOf(random, NEWSLETTER_CAMPAIGNS) }) } },
  { weight: 3, value: { kind: "search", arrival: () => ({ referrer: "https://duckduckgo.com/" }) } },
  { weight: 3, value: { kind: "search", arrival: () => ({ referrer: "https://www.bing.com/" }) } },
  { weight: 1.5, value: { kind: "blog", arrival: () => ({ referrer: "https://dev.to/mirela/what-i-learned-building-a-stats-page" }) } },
  { weight: 1.5, value: { kind: "blog", arrival: () => ({ referrer: "https://medium.com/@tomasz.k/privacy-friendly-analytics-in-2024" }) } },
];

/** A returning visitor often comes straight back (a bookmark, the address bar), else like anyone: direct is about 35% in all. */
const RETURNING_DIRECT_SHARE = 0.25;

export function randomArrival(random: Random, visitor: VisitorProfile, options: { returning: boolean }): { kind: ArrivalKind; arrival: Arrival } {
  if (options.returning && random() < RETURNING_DIRECT_SHARE) return { kind: "direct", arrival: {} };
  const source = weighted(random, SOURCES);
  return { kind: source.kind, arrival: source.arrival(random, visitor) };
}
