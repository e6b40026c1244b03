const GLYPH: Record<string, string> = {
  succeeded: '✓',
  failed: '✕',
  cancelled: '⊘',
  running: '●',
  queued: '…',
  pending: '…',
  // U+2016: Debian's fonts have no pause sign (U+23F8), which Chromium drew as an empty box.
  waiting: '‖',
  skipped: '↷',
  cached: '↺',
};

/** A status as text and colour (the text carries the meaning; colour is extra). */
export function StatusBadge({ status, cached }: { status: string; cached?: boolean }) {
  const s = cached && status === 'succeeded' ? 'cached' : status;
  return (
    <span className={`badge badge-${s}`}>
      <span aria-hidden="true">{GLYPH[s] ?? '·'}</span> {s}
    </span>
  );
}
