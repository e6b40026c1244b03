import { useSyncExternalStore } from 'react';

const query = '(max-width: 700px)';

/** Whether the viewport is phone-wide (layouts stack, the graph runs top to bottom). */
export function useNarrow(): boolean {
  return useSyncExternalStore(
    (cb) => {
      const m = window.matchMedia(query);
      m.addEventListener('change', cb);
      return () => m.removeEventListener('change', cb);
    },
    () => window.matchMedia(query).matches,
    () => false,
  );
}
