/**
 * Paging by the engine's cursors, newest first: the cursors of the pages walked so far (null for
 * the first), "Older" follows the page's nextCursor, "Newer" goes back one.
 */
import { useState } from "react";

export function useCursorPages() {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  return {
    cursor: cursors[cursors.length - 1] ?? null,
    page: cursors.length,
    older: (next: string) => setCursors([...cursors, next]),
    newer: () => setCursors(cursors.slice(0, -1)),
    reset: () => setCursors([null]),
  };
}

export function Pager({ pages, next }: { pages: ReturnType<typeof useCursorPages>; next: string | null }) {
  return (
    <div className="pager">
      <button type="button" disabled={pages.page === 1} onClick={pages.newer}>Newer</button>
      <span>Page {pages.page}</span>
      <button type="button" disabled={next === null} onClick={() => next !== null && pages.older(next)}>Older</button>
    </div>
  );
}
