// MQTT topic filters, pure: what configuration checks need without loading the MQTT client.

/** MQTT topic filter matching (MQTT 3.1.1 section 4.7): `+` one level, `#` this level and all below. */
export function topicMatches(filter: string, topic: string): boolean {
  // [MQTT-4.7.2-1] wildcards at the first level do not match topics that begin with `$`.
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/** Whether some topic matches both filters: two devices on such filters would each file one publish. */
export function filtersOverlap(a: string, b: string): boolean {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i];
    const q = y[i];
    if (p === '#' || q === '#') return true;
    if (p === undefined || q === undefined) return false;
    if (p !== '+' && q !== '+' && p !== q) return false;
  }
  return true;
}

/** Why a topic filter is not valid MQTT, or undefined when it is. */
export function topicFilterProblem(filter: string): string | undefined {
  if (filter === '') return 'topic filter is empty';
  if (filter.includes('\u0000')) return 'topic filter contains a NUL character';
  if (Buffer.byteLength(filter, 'utf8') > 65_535) return 'topic filter is longer than 65535 bytes';
  const levels = filter.split('/');
  for (const [i, level] of levels.entries()) {
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return `'#' must be a whole level and the last one (in "${filter}")`;
    if (level.includes('+') && level !== '+') return `'+' must be a whole level (in "${filter}")`;
  }
  return undefined;
}
