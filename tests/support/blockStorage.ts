/**
 * Makes `localStorage` throw on access, as browsers do when storage is
 * blocked, until the returned function is called.
 */
export function blockLocalStorage(): () => void {
  const original = Object.getOwnPropertyDescriptor(globalThis, "localStorage")!;
  Object.defineProperty(globalThis, "localStorage", {
    configurable: true,
    get() {
      throw new DOMException("The operation is insecure.", "SecurityError");
    },
  });
  return () => Object.defineProperty(globalThis, "localStorage", original);
}
