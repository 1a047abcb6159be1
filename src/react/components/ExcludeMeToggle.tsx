import { useEffect, useId, useState } from "react";
import { EXCLUDE_ME_STORAGE_KEY } from "../../shared/config.js";

/** Whether this browser is excluded; null where localStorage is blocked (the switch cannot be kept). */
function readExcluded(): boolean | null {
  try {
    return localStorage.getItem(EXCLUDE_ME_STORAGE_KEY) === "true";
  } catch {
    return null;
  }
}

/**
 * The owner's "don't count me" switch: kept in this browser's localStorage,
 * where the tracker reads it (`shouldTrack`). Nothing is sent to the server.
 */
export function ExcludeMeToggle() {
  const [excluded, setExcluded] = useState(readExcluded);
  const hintId = useId();

  // Another tab flipping the switch shows here too.
  useEffect(() => {
    const onStorage = (event: StorageEvent) => {
      if (event.key === EXCLUDE_ME_STORAGE_KEY || event.key === null) setExcluded(readExcluded());
    };
    window.addEventListener("storage", onStorage);
    return () => window.removeEventListener("storage", onStorage);
  }, []);

  const toggle = (exclude: boolean) => {
    try {
      if (exclude) localStorage.setItem(EXCLUDE_ME_STORAGE_KEY, "true");
      else localStorage.removeItem(EXCLUDE_ME_STORAGE_KEY);
    } catch {
      // Storage went away since the first read: show what the tracker will see.
    }
    setExcluded(readExcluded());
  };

  return (
    <div className="exclude-me" data-testid="exclude-me">
      <label className="exclude-me-label">
        <input
          type="checkbox"
          role="switch"
          checked={excluded === true}
          disabled={excluded === null}
          aria-describedby={hintId}
          onChange={(event) => toggle(event.target.checked)}
        />
        Don't count my visits from this browser
      </label>
      <p className="exclude-me-hint" id={hintId}>
        {excluded === null
          ? "This browser blocks local storage, so the setting cannot be saved here."
          : "Saved in this browser only; turn it on in each browser you use."}
      </p>
    </div>
  );
}
