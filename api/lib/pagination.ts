/**
 * Cursor pagination over rows listed newest id first: the query asks for one row more than the page, and that row's
 * presence says there is a next page, whose cursor is the last id shown. A leaf: imports nothing of ours.
 */
export type Page<T> = { data: T[]; nextCursor: string | null };

/**
 * Runs `query` for `limit + 1` rows and cuts the page: `idOf` gives a row's cursor, `view` what the page shows.
 */
export async function cursorPage<R, T>(
  limit: number,
  query: (take: number) => Promise<R[]>,
  idOf: (row: R) => string,
  view: (rows: R[]) => T[] | Promise<T[]>,
): Promise<Page<T>> {
  const rows = await query(limit + 1);
  const page = rows.slice(0, limit);
  return { data: await view(page), nextCursor: rows.length > limit ? idOf(page.at(-1)!) : null };
}
