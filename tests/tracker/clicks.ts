/**
 * Clicks a link to `href` (on a span inside it, as a reader clicks its text) as the browser
 * dispatches it, without following it: the test's page stays where it is.
 */
export function clickLink(href: string, { type = "click", ...init }: MouseEventInit & { type?: "click" | "auxclick" } = {}) {
  const link = document.createElement("a");
  link.href = href;
  const text = link.appendChild(document.createElement("span"));
  document.body.append(link);
  // On the link itself: happy-dom follows it as the event bubbles past it.
  link.addEventListener(type, (event) => event.preventDefault());
  text.dispatchEvent(new MouseEvent(type, { bubbles: true, cancelable: true, ...init }));
  link.remove();
}
