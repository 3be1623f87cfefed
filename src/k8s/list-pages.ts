/** Items per list request, as client-go's reflector pages its lists. */
export const LIST_PAGE_SIZE = 500;

interface ListPage<T> {
  items: T[];
  metadata?: { resourceVersion?: string; _continue?: string; continue?: string };
}

/**
 * A whole list, fetched in pages of LIST_PAGE_SIZE: neither the API server nor the operator holds a
 * large list as one response (the operator's memory peaks at start, when every informer lists).
 * The API server serves every page from the first page's snapshot, so the result carries that
 * resourceVersion, from which the watch continues. Typed calls name the token `_continue`,
 * custom-object calls `continue`.
 */
export async function listInPages<T, L extends ListPage<T>>(fetchPage: (limit: number, continueToken?: string) => Promise<L>, pageSize = LIST_PAGE_SIZE): Promise<L> {
  const first = await fetchPage(pageSize);
  const items = [...first.items];
  let token = continueOf(first);
  while (token) {
    const next = await fetchPage(pageSize, token);
    items.push(...next.items);
    token = continueOf(next);
  }
  return { ...first, items, metadata: { resourceVersion: first.metadata?.resourceVersion } };
}

const continueOf = (page: ListPage<unknown>): string | undefined => page.metadata?._continue || page.metadata?.continue || undefined;
