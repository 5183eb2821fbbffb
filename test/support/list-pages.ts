// Follows a paged list (GET /api/readings, GET /api/messages, or their query functions) from its
// first page by each page's `next` until it says there is no more; every page's ids, in order.

export function allPages<P extends { more: boolean; next?: string }>(run: (before: string | undefined) => P, ids: (page: P) => string[]): string[][] {
  const pages: string[][] = [];
  let before: string | undefined;
  for (let i = 0; i < 50; i++) {
    const page = run(before);
    pages.push(ids(page));
    if (!page.more) return pages;
    before = page.next;
  }
  throw new Error('paging did not end in 50 pages');
}
