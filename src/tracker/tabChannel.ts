/** Messages between the tabs of one browser; a tab never receives its own. */
export type TabChannel<Message> = {
  post(message: Message): void;
  subscribe(listener: (message: Message) => void): () => void;
  close(): void;
};

/**
 * A channel to this browser's other tabs: BroadcastChannel, else `storage`
 * events (which fire only in the other tabs), else null when neither exists.
 */
export function openTabChannel<Message>(name: string): TabChannel<Message> | null {
  if (typeof BroadcastChannel === "function") return broadcastChannel(name);
  try {
    localStorage.setItem(name, "");
    return storageChannel(name);
  } catch {
    return null;
  }
}

function broadcastChannel<Message>(name: string): TabChannel<Message> {
  const channel = new BroadcastChannel(name);
  return {
    post: (message) => channel.postMessage(message),
    subscribe(listener) {
      const onMessage = (event: MessageEvent) => listener(event.data as Message);
      channel.addEventListener("message", onMessage);
      return () => channel.removeEventListener("message", onMessage);
    },
    close: () => channel.close(),
  };
}

function storageChannel<Message>(name: string): TabChannel<Message> {
  let sent = 0;
  return {
    // A changing counter makes every message a new value, so each one fires an event.
    post: (message) => localStorage.setItem(name, JSON.stringify({ message, nonce: `${Date.now()}-${sent++}` })),
    subscribe(listener) {
      const onStorage = (event: StorageEvent) => {
        if (event.key !== name || !event.newValue) return;
        listener((JSON.parse(event.newValue) as { message: Message }).message);
      };
      window.addEventListener("storage", onStorage);
      return () => window.removeEventListener("storage", onStorage);
    },
    close: () => {},
  };
}
