/** Marks a part of a filtered dashboard that the filter does not narrow (in its heading or hint), so its figures are not read as filtered. */
export function UnfilteredNote() {
  return (
    <span className="unfiltered-note" data-testid="unfiltered-note">
      {/* Apart from the heading it follows, when read out. */}
      <span className="visually-hidden"> (</span>
      All traffic: not filtered
      <span className="visually-hidden">)</span>
    </span>
  );
}
