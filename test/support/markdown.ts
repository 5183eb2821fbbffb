// Just enough Markdown for the tests that hold the docs to the code: headings and their anchors as
// GitHub makes them, a section by its heading, and the rows of a pipe table.

/** Lines outside fenced code blocks (a `#` inside a fence is code, not a heading). */
function proseLines(markdown: string): string[] {
  let fenced = false;
  return markdown.split('\n').filter((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return false;
    }
    return !fenced;
  });
}

/** Heading texts in order, with link targets and emphasis markers left out. */
export function headings(markdown: string): string[] {
  return proseLines(markdown)
    .map((line) => /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1])
    .filter((text): text is string => text !== undefined)
    .map((text) => text.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1'));
}

/**
 * The anchor GitHub gives a heading: lowercase, every character that is not a letter, a digit, a
 * space, `-` or `_` dropped, each space made a `-`. A repeated anchor gets `-1`, `-2` ...
 */
export function githubAnchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a document's headings give, repeats numbered as GitHub numbers them. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const heading of headings(markdown)) {
    const base = githubAnchor(heading);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** The text under the heading `## title` up to the next heading of the same or a higher level. */
export function section(markdown: string, title: string): string | undefined {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => /^#{1,6}\s/.test(line) && line.replace(/^#+\s+/, '').trim() === title);
  if (start < 0) return undefined;
  const level = /^#+/.exec(lines[start] ?? '')?.[0].length ?? 1;
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => {
    const m = /^(#+)\s/.exec(line);
    return m !== null && (m[1]?.length ?? 0) <= level;
  });
  return (end < 0 ? rest : rest.slice(0, end)).join('\n');
}

/** The body rows of the first pipe table in `text`, as trimmed cells (header and separator left out). */
export function tableRows(text: string): string[][] {
  const lines = text.split('\n');
  const first = lines.findIndex((line) => line.trim().startsWith('|'));
  if (first < 0) return [];
  const table: string[] = [];
  for (const line of lines.slice(first)) {
    if (!line.trim().startsWith('|')) break;
    table.push(line.trim());
  }
  return table.slice(2).map((row) =>
    row
      .replace(/^\||\|$/g, '')
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim()),
  );
}
