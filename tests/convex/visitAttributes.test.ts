import { describe, expect, test } from "vitest";
import { ConvexError } from "convex/values";
import { DIRECT_SOURCE, MAX_USER_AGENT_BYTES, MAX_VISIT_FIELD_BYTES, UNKNOWN_VALUE } from "../../src/shared/config";
import { isBotUserAgent, visitAttributes, type VisitContext } from "../../src/component/record/visitAttributes";

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

/** Expects a ConvexError { code: INVALID_ARGUMENT, field } and returns its message. */
function expectRejected(fn: () => unknown, field: string): string {
  const error = caught(fn);
  expect(error).toBeInstanceOf(ConvexError);
  const data = (error as ConvexError<{ code: string; field: string; message: string }>).data;
  expect(data).toMatchObject({ code: "INVALID_ARGUMENT", field });
  expect(data.message.length).toBeGreaterThan(10);
  return data.message;
}

// Real user agents, as the browsers (and robots) send them.
const UA = {
  chromeWindows:
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  chromeMac:
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  safariMac:
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15",
  safariIphone:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
  safariIpad:
    "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
  chromeIphone:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
  chromeAndroid:
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
  chromeAndroidTablet:
    "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  samsungInternet:
    "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
  firefoxLinux: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
  firefoxWindows: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
  firefoxAndroid: "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
  edge: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86",
  opera:
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36 OPR/115.0.0.0",
  chromeOS:
    "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  samsungTv:
    "Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/4.0 Chrome/76.0.3809.146 TV Safari/537.36",
  headlessChrome:
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
  googlebot: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
  googlebotSmartphone:
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
  bingbot: "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
  curl: "curl/8.5.0",
  pythonRequests: "python-requests/2.32.3",
} as const;

const agent = (userAgent: string) => {
  const { browser, browserVersion, os, device } = visitAttributes({ userAgent });
  return { browser, browserVersion, os, device };
};

describe("user agents", () => {
  test.each([
    ["chromeWindows", "Chrome", "Chrome 131", "Windows", "Desktop"],
    ["chromeMac", "Chrome", "Chrome 131", "macOS", "Desktop"],
    ["safariMac", "Safari", "Safari 17", "macOS", "Desktop"],
    ["safariIphone", "Safari", "Safari 17", "iOS", "Mobile"],
    ["safariIpad", "Safari", "Safari 17", "iOS", "Tablet"],
    ["chromeIphone", "Chrome", "Chrome 131", "iOS", "Mobile"],
    ["chromeAndroid", "Chrome", "Chrome 131", "Android", "Mobile"],
    ["chromeAndroidTablet", "Chrome", "Chrome 131", "Android", "Tablet"],
    ["samsungInternet", "Samsung Internet", "Samsung Internet 26", "Android", "Mobile"],
    ["firefoxLinux", "Firefox", "Firefox 133", "Linux", "Desktop"],
    ["firefoxWindows", "Firefox", "Firefox 133", "Windows", "Desktop"],
    ["firefoxAndroid", "Firefox", "Firefox 133", "Android", "Mobile"],
    ["edge", "Edge", "Edge 131", "Windows", "Desktop"],
    ["opera", "Opera", "Opera 115", "Windows", "Desktop"],
    // bowser gives ChromeOS no platform type: a ChromeOS machine is a desktop or laptop.
    ["chromeOS", "Chrome", "Chrome 131", "ChromeOS", "Desktop"],
    ["samsungTv", "Samsung Internet", "Samsung Internet 4", "Tizen", "TV"],
  ] as const)("%s → %s, %s, %s, %s", (key, browser, browserVersion, os, device) => {
    expect(agent(UA[key])).toEqual({ browser, browserVersion, os, device });
    expect(isBotUserAgent(UA[key])).toBe(false);
  });

  test.each(["headlessChrome", "googlebot", "googlebotSmartphone", "bingbot", "curl", "pythonRequests"] as const)(
    "%s is a bot",
    (key) => {
      expect(isBotUserAgent(UA[key])).toBe(true);
    },
  );

  test("no user agent is not a bot (there is nothing to judge)", () => {
    expect(isBotUserAgent(undefined)).toBe(false);
  });

  test("an unparseable, empty or absent user agent is Unknown throughout", () => {
    const unknown = { browser: UNKNOWN_VALUE, browserVersion: UNKNOWN_VALUE, os: UNKNOWN_VALUE, device: UNKNOWN_VALUE };
    expect(agent("hello world")).toEqual(unknown);
    expect(agent("")).toEqual(unknown);
    expect(agent("   ")).toEqual(unknown);
    expect(agent(UA.curl)).toEqual(unknown);
    const { browser, browserVersion, os, device } = visitAttributes({});
    expect({ browser, browserVersion, os, device }).toEqual(unknown);
  });

  test("a browser is named only when bowser recognised one: a sender's words before a slash are Unknown, the system still read", () => {
    // bowser's last parser names any other agent by the text before its slash.
    expect(agent("Buy cheap pills at evil dot com/1.0 (Windows NT 10.0; Win64; x64)")).toEqual({
      browser: UNKNOWN_VALUE,
      browserVersion: UNKNOWN_VALUE,
      os: "Windows",
      device: "Desktop",
    });
    expect(agent("Visit evil.example/1 now").browser).toBe(UNKNOWN_VALUE);
    expect(agent("Mozilla/5.0 (compatible; Buy pills)").browser).toBe(UNKNOWN_VALUE);
    // A browser bowser knows may begin the user agent, and one its parsers name beyond its list is still recognised.
    expect(agent("Opera/9.80 (Windows NT 6.1; U; en) Presto/2.10.289 Version/12.00")).toMatchObject({ browser: "Opera", browserVersion: "Opera 12" });
    const miui = "Mozilla/5.0 (Linux; U; Android 10; zh-cn; M2006C3MG Build/QP1A) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/89.0 Mobile Safari/537.36 XiaoMi/MiuiBrowser/15.5.16";
    expect(agent(miui)).toMatchObject({ browser: "Miui", browserVersion: "Miui 15" });
  });

  test("a user agent up to MAX_USER_AGENT_BYTES is parsed; a longer one is refused", () => {
    const padded = UA.chromeWindows + " ".repeat(MAX_USER_AGENT_BYTES - UA.chromeWindows.length);
    expect(agent(padded).browser).toBe("Chrome");
    const message = expectRejected(() => visitAttributes({ userAgent: padded + "x" }), "visit.userAgent");
    expect(message).toContain(String(MAX_USER_AGENT_BYTES));
  });
});

describe("referrers", () => {
  test.each([
    ["https://www.google.com/", "Google", "www.google.com"],
    ["https://www.google.co.uk/search?q=x", "Google", "www.google.co.uk/search"],
    ["https://google.de/", "Google", "google.de"],
    ["https://www.google.com.au/", "Google", "www.google.com.au"],
    ["https://news.google.com/articles/abc", "Google", "news.google.com/articles/abc"],
    ["https://www.bing.com/search?q=a", "Bing", "www.bing.com/search"],
    ["https://duckduckgo.com/", "DuckDuckGo", "duckduckgo.com"],
    ["https://news.ycombinator.com/item?id=1", "Hacker News", "news.ycombinator.com/item"],
    ["https://old.reddit.com/r/x/", "Reddit", "old.reddit.com/r/x"],
    ["https://out.reddit.com/t3_abc", "Reddit", "out.reddit.com/t3_abc"],
    ["https://www.reddit.com/", "Reddit", "www.reddit.com"],
    ["https://github.com/a/b", "GitHub", "github.com/a/b"],
    ["https://www.linkedin.com/feed/", "LinkedIn", "www.linkedin.com/feed"],
    ["https://lnkd.in/x", "LinkedIn", "lnkd.in/x"],
    ["https://t.co/abc", "X (Twitter)", "t.co/abc"],
    ["https://x.com/someone/status/1", "X (Twitter)", "x.com/someone/status/1"],
    ["https://twitter.com/", "X (Twitter)", "twitter.com"],
    ["https://l.facebook.com/", "Facebook", "l.facebook.com"],
    ["https://m.facebook.com/story.php", "Facebook", "m.facebook.com/story.php"],
    ["https://lm.facebook.com/", "Facebook", "lm.facebook.com"],
    ["https://fb.com/", "Facebook", "fb.com"],
    ["https://blog.example.org/post?x=1", "blog.example.org", "blog.example.org/post"],
    ["https://www.example.com/a/b/#top", "example.com", "www.example.com/a/b"],
    ["HTTPS://Blog.Example.ORG/Post", "blog.example.org", "blog.example.org/Post"],
    ["http://localhost:3000/page", "localhost", "localhost:3000/page"],
    ["https://user:secret@example.net/x", "example.net", "example.net/x"],
  ])("%s → source %s, referrer %s", (referrer, source, stored) => {
    expect(visitAttributes({ referrer })).toMatchObject({ source, referrer: stored });
  });

  test("look-alike hosts are not the known source", () => {
    expect(visitAttributes({ referrer: "https://google.com.evil.net/" }).source).toBe("google.com.evil.net");
    expect(visitAttributes({ referrer: "https://google.github.io/x" }).source).toBe("google.github.io");
    expect(visitAttributes({ referrer: "https://notreddit.com/" }).source).toBe("notreddit.com");
    expect(visitAttributes({ referrer: "https://ycombinator.com/" }).source).toBe("ycombinator.com");
  });

  test("no referrer (absent or empty) is Direct / None", () => {
    expect(visitAttributes({}).source).toBe(DIRECT_SOURCE);
    expect(visitAttributes({ referrer: "" })).not.toHaveProperty("referrer");
    expect(visitAttributes({ referrer: "" }).source).toBe(DIRECT_SOURCE);
  });

  test.each([
    "javascript:alert(1)",
    "data:text/html,hi",
    "android-app://com.google.android.gm/",
    "ftp://example.com/file",
    "not a url",
    "/relative/path",
    "https://",
  ])("%s is refused", (referrer) => {
    expectRejected(() => visitAttributes({ referrer }), "visit.referrer");
  });
});

describe("UTM parameters", () => {
  test("stored trimmed, inner whitespace collapsed, empty ones absent", () => {
    const a = visitAttributes({ utmSource: "  spring  launch ", utmMedium: "\u00a0social  ", utmCampaign: "   ", utmTerm: "x" });
    expect(a).toMatchObject({ source: "spring launch", utmSource: "spring launch", utmMedium: "social" });
    expect(a).not.toHaveProperty("utmCampaign");
    expect(a).not.toHaveProperty("utmTerm");
    expect(a).not.toHaveProperty("utmContent");
  });

  test.each([
    [{ utmSource: "newsletter" }, "Newsletter"],
    [{ utmSource: "weekly-newsletter" }, "Newsletter"],
    [{ utmSource: "mailchimp", utmMedium: "email" }, "Newsletter"],
    [{ utmMedium: "Email" }, "Newsletter"],
    [{ utmSource: "buttondown", utmMedium: "newsletter" }, "Newsletter"],
    [{ utmSource: "hn" }, "Hacker News"],
    [{ utmSource: "hackernews" }, "Hacker News"],
    [{ utmSource: "news.ycombinator.com" }, "Hacker News"],
    [{ utmSource: "Google" }, "Google"],
    [{ utmSource: "twitter" }, "X (Twitter)"],
    [{ utmSource: "reddit" }, "Reddit"],
    [{ utmSource: "producthunt" }, "producthunt"],
    [{ utmSource: "Some Partner" }, "Some Partner"],
  ] as Array<[VisitContext, string]>)("%o → %s", (context, source) => {
    expect(visitAttributes(context).source).toBe(source);
  });

  test("a UTM source wins over the referrer; the referrer is still kept", () => {
    expect(visitAttributes({ referrer: "https://www.google.com/", utmSource: "hn" })).toMatchObject({
      source: "Hacker News",
      referrer: "www.google.com",
      utmSource: "hn",
    });
    expect(visitAttributes({ referrer: "https://t.co/abc", utmSource: "launch-partner" }).source).toBe("launch-partner");
    // A medium alone (no source) that is not a newsletter leaves the referrer as the source.
    expect(visitAttributes({ referrer: "https://t.co/abc", utmMedium: "social" }).source).toBe("X (Twitter)");
  });

  test("a UTM value at MAX_VISIT_FIELD_BYTES is kept, one byte more is refused (bytes, not characters)", () => {
    expect(visitAttributes({ utmCampaign: "c".repeat(MAX_VISIT_FIELD_BYTES) }).utmCampaign).toHaveLength(MAX_VISIT_FIELD_BYTES);
    expectRejected(() => visitAttributes({ utmCampaign: "c".repeat(MAX_VISIT_FIELD_BYTES + 1) }), "visit.utmCampaign");
    // "é" is two bytes in UTF-8.
    expectRejected(() => visitAttributes({ utmContent: "é".repeat(MAX_VISIT_FIELD_BYTES / 2 + 1) }), "visit.utmContent");
  });
});

describe("country from the time zone", () => {
  test.each([
    ["Europe/Berlin", "DE"],
    ["America/New_York", "US"],
    ["America/Los_Angeles", "US"],
    ["Europe/London", "GB"],
    ["Asia/Tokyo", "JP"],
    ["Asia/Kolkata", "IN"],
    ["Asia/Calcutta", "IN"],
    ["Australia/Sydney", "AU"],
    ["America/Sao_Paulo", "BR"],
    ["America/Argentina/Buenos_Aires", "AR"],
    ["Europe/Kyiv", "UA"],
    ["Europe/Zurich", "CH"],
    ["UTC", UNKNOWN_VALUE],
    ["Etc/GMT+5", UNKNOWN_VALUE],
    ["Mars/Olympus_Mons", UNKNOWN_VALUE],
    ["toString", UNKNOWN_VALUE],
    ["__proto__", UNKNOWN_VALUE],
    ["not a zone", UNKNOWN_VALUE],
    ["", UNKNOWN_VALUE],
  ])("%s → %s", (timeZone, country) => {
    expect(visitAttributes({ timeZone }).country).toBe(country);
  });

  test("an over-long zone is refused", () => {
    expectRejected(() => visitAttributes({ timeZone: "Europe/" + "x".repeat(MAX_VISIT_FIELD_BYTES) }), "visit.timeZone");
  });
});

describe("language", () => {
  test.each([
    ["en-US", "en"],
    ["en", "en"],
    ["EN-gb", "en"],
    ["de-DE", "de"],
    ["pt_BR", "pt"],
    ["zh-Hant-TW", "zh"],
    ["fil-PH", "fil"],
    ["", UNKNOWN_VALUE],
    ["*", UNKNOWN_VALUE],
    ["english", UNKNOWN_VALUE],
    ["e1-US", UNKNOWN_VALUE],
  ])("%s → %s", (language, expected) => {
    expect(visitAttributes({ language }).language).toBe(expected);
  });

  test("an over-long language is refused", () => {
    expectRejected(() => visitAttributes({ language: "en-" + "x".repeat(MAX_VISIT_FIELD_BYTES) }), "visit.language");
  });
});

describe("screen", () => {
  test.each([
    [0, "Mobile"],
    [375, "Mobile"],
    [575, "Mobile"],
    [575.5, "Mobile"],
    [576, "Tablet"],
    [820, "Tablet"],
    [991, "Tablet"],
    [992, "Laptop"],
    [1366, "Laptop"],
    [1439, "Laptop"],
    [1440, "Desktop"],
    [2560, "Desktop"],
    [100_000, "Desktop"],
  ])("%d px → %s", (screenWidth, screen) => {
    expect(visitAttributes({ screenWidth }).screen).toBe(screen);
  });

  test.each([NaN, Infinity, -Infinity, -1, 100_001])("width %d is refused", (screenWidth) => {
    expectRejected(() => visitAttributes({ screenWidth }), "visit.screenWidth");
  });

  test("a width that is not a number is refused", () => {
    expectRejected(() => visitAttributes({ screenWidth: "1024" as unknown as number }), "visit.screenWidth");
  });
});

describe("bad input", () => {
  const fields = ["referrer", "utmSource", "utmMedium", "utmCampaign", "utmTerm", "utmContent", "language", "timeZone"] as const;

  test.each(fields)("an over-long %s is refused", (name) => {
    const message = expectRejected(() => visitAttributes({ [name]: "https://a.example/" + "x".repeat(MAX_VISIT_FIELD_BYTES) }), `visit.${name}`);
    expect(message).toContain(String(MAX_VISIT_FIELD_BYTES));
  });

  test.each(fields)("control characters in %s are refused", (name) => {
    for (const bad of ["\u0000", "\t", "\n", "\u007f", "\u0085", "\u202e", "\u2066"]) {
      expectRejected(() => visitAttributes({ [name]: `en${bad}x` }), `visit.${name}`);
    }
  });

  test.each(fields)("invisible format characters in %s are refused, so no value is a second row drawn like another", (name) => {
    // Zero-width space, soft hyphen, byte-order mark, word joiner, a zero-width joiner after a letter, a tag character.
    for (const bad of ["\u200b", "\u00ad", "\ufeff", "\u2060", "\u200d", "\u{E0067}"]) {
      expectRejected(() => visitAttributes({ [name]: `Google${bad}` }), `visit.${name}`);
    }
  });

  test("control characters and lone surrogates in the user agent are refused", () => {
    expectRejected(() => visitAttributes({ userAgent: `${UA.chromeWindows}\r\nX-Injected: 1` }), "visit.userAgent");
    expectRejected(() => visitAttributes({ userAgent: `${UA.chromeWindows}\ud800` }), "visit.userAgent");
    expectRejected(() => visitAttributes({ userAgent: `${UA.chromeWindows}\u00ad` }), "visit.userAgent");
  });

  test("a lone surrogate is refused; a real emoji (with a zero-width joiner) is kept in a UTM value", () => {
    expectRejected(() => visitAttributes({ utmCampaign: "sale\udc00" }), "visit.utmCampaign");
    expect(visitAttributes({ utmCampaign: "family 👨‍👩‍👧 sale" }).utmCampaign).toBe("family 👨‍👩‍👧 sale");
    // The joiner after a skin tone or an emoji's presentation selector is inside the emoji too.
    expect(visitAttributes({ utmCampaign: "👩🏽‍💻 ❤️‍🔥" }).utmCampaign).toBe("👩🏽‍💻 ❤️‍🔥");
    expectRejected(() => visitAttributes({ utmSource: "Goo\u200dgle" }), "visit.utmSource");
    expectRejected(() => visitAttributes({ utmSource: "😀\u200d" }), "visit.utmSource");
  });

  test("a value that is not a string is refused", () => {
    expectRejected(() => visitAttributes({ language: 42 as unknown as string }), "visit.language");
    expectRejected(() => visitAttributes({ referrer: { href: "https://a.example/" } as unknown as string }), "visit.referrer");
    expectRejected(() => visitAttributes({ userAgent: null as unknown as string }), "visit.userAgent");
  });
});

describe("the whole context", () => {
  test("no context: every category Unknown, source Direct / None, no optional fields", () => {
    expect(visitAttributes(undefined)).toEqual({
      source: DIRECT_SOURCE,
      browser: UNKNOWN_VALUE,
      browserVersion: UNKNOWN_VALUE,
      os: UNKNOWN_VALUE,
      device: UNKNOWN_VALUE,
      country: UNKNOWN_VALUE,
      language: UNKNOWN_VALUE,
      screen: UNKNOWN_VALUE,
    });
  });

  test("a realistic first view from a phone in Berlin, via Hacker News", () => {
    expect(
      visitAttributes({
        referrer: "https://news.ycombinator.com/item?id=42",
        screenWidth: 390,
        language: "de-DE",
        timeZone: "Europe/Berlin",
        userAgent: UA.safariIphone,
      }),
    ).toEqual({
      source: "Hacker News",
      referrer: "news.ycombinator.com/item",
      browser: "Safari",
      browserVersion: "Safari 17",
      os: "iOS",
      device: "Mobile",
      country: "DE",
      language: "de",
      screen: "Mobile",
    });
  });

  test("a newsletter click on a laptop in New York", () => {
    expect(
      visitAttributes({
        utmSource: "buttondown",
        utmMedium: "email",
        utmCampaign: "Issue 12",
        utmTerm: "ignored",
        utmContent: "ignored",
        screenWidth: 1280,
        language: "en-US",
        timeZone: "America/New_York",
        userAgent: UA.edge,
      }),
    ).toEqual({
      source: "Newsletter",
      utmSource: "buttondown",
      utmMedium: "email",
      utmCampaign: "Issue 12",
      browser: "Edge",
      browserVersion: "Edge 131",
      os: "Windows",
      device: "Desktop",
      country: "US",
      language: "en",
      screen: "Laptop",
    });
  });
});
