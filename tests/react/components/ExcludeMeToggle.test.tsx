import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, expect, test } from "vitest";
import { EXCLUDE_ME_STORAGE_KEY } from "../../../src/shared/config";
import { ExcludeMeToggle } from "../../../src/react/components/ExcludeMeToggle";
import { blockLocalStorage } from "../../support/blockStorage";

const NAME = "Don't count my visits from this browser";

beforeEach(() => localStorage.clear());
afterEach(() => {
  cleanup();
  localStorage.clear();
});

test("a labelled switch, described by its hint, that keeps its state in localStorage", () => {
  render(<ExcludeMeToggle />);
  const toggle = screen.getByRole("switch", { name: NAME });
  expect(toggle).toHaveProperty("checked", false);
  expect(toggle.getAttribute("aria-describedby")).toBeTruthy();
  expect(document.getElementById(toggle.getAttribute("aria-describedby")!)?.textContent).toMatch(/this browser only/);

  fireEvent.click(toggle);
  expect(screen.getByRole("switch", { name: NAME, checked: true })).toBe(toggle);
  expect(localStorage.getItem(EXCLUDE_ME_STORAGE_KEY)).toBe("true");

  fireEvent.click(toggle);
  expect(screen.getByRole("switch", { name: NAME, checked: false })).toBe(toggle);
  expect(localStorage.getItem(EXCLUDE_ME_STORAGE_KEY)).toBeNull();
});

test("shows a setting made earlier or in another tab", () => {
  localStorage.setItem(EXCLUDE_ME_STORAGE_KEY, "true");
  render(<ExcludeMeToggle />);
  expect(screen.getByRole("switch", { name: NAME })).toHaveProperty("checked", true);
  localStorage.removeItem(EXCLUDE_ME_STORAGE_KEY);
  act(() => {
    window.dispatchEvent(new StorageEvent("storage", { key: EXCLUDE_ME_STORAGE_KEY, oldValue: "true", newValue: null }));
  });
  expect(screen.getByRole("switch", { name: NAME })).toHaveProperty("checked", false);
});

test("disabled, and says why, where localStorage is blocked", () => {
  const unblock = blockLocalStorage();
  try {
    render(<ExcludeMeToggle />);
    expect(screen.getByRole("switch", { name: NAME })).toHaveProperty("disabled", true);
    expect(screen.getByText(/blocks local storage/)).toBeTruthy();
  } finally {
    unblock();
  }
});
