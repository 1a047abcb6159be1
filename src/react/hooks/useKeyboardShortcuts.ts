import { useEffect, useRef } from "react";

/** Where a key press is typing (or choosing in a native control, or anywhere in a dialog such as the Filter menu), not a shortcut. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName) || target.closest('[role="dialog"]') !== null;
}

/**
 * Page-wide single-key shortcuts: `handlers` maps a key ("d", "ArrowLeft"; letters
 * in lower case, matched with or without Shift) to what it does. Ignored while
 * typing in a field or in a dialog, with Ctrl, Alt or Meta held (the browser's own shortcuts),
 * and for a key something on the page already handled (the chart's arrow keys).
 */
export function useKeyboardShortcuts(handlers: Record<string, () => void>): void {
  // The newest handlers, without re-adding the listener on every render.
  const current = useRef(handlers);
  useEffect(() => {
    current.current = handlers;
  });
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey || isTyping(event.target)) return;
      const handler = current.current[event.key.length === 1 ? event.key.toLowerCase() : event.key];
      if (handler === undefined) return;
      event.preventDefault();
      handler();
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, []);
}
