// Paths of configuration problems as a technician reads them: `devices[0].transport.path`, not the
// JSON Pointer (RFC 6901) `/devices/0/transport/path` the schema validator gives.

/** The keys of a pointer, unescaped (RFC 6901 section 4: ~1 is /, ~0 is ~). */
function pointerKeys(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The last key of a pointer: the name of a setting the schema does not know. */
export function lastKey(pointer: string): string {
  return pointerKeys(pointer).pop() ?? '';
}

/** `/devices/0/transport/path` -> `devices[0].transport.path` */
export function pointerToPath(pointer: string): string {
  if (pointer === '' || pointer === '/') return '(root)';
  return pointerKeys(pointer).reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

/** `devices[0]` + `.settings`, `devices` + `[0]`; an empty prefix is the root. */
export function appendPath(prefix: string, rest: string): string {
  if (rest === '(root)' || rest === '') return prefix || '(root)';
  if (prefix === '' || prefix === '(root)') return rest;
  return rest.startsWith('[') ? `${prefix}${rest}` : `${prefix}.${rest}`;
}

/** A pointer below `prefix`: `devices[0].settings` + `/pattern` -> `devices[0].settings.pattern`. */
export function joinPointer(prefix: string, pointer: string): string {
  return appendPath(prefix, pointerToPath(pointer));
}

/** `devices[0].transport.baudrate` -> `devices[0].transport`; a top-level path has the root, ''. */
export function parentPath(path: string): string {
  const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
  return cut <= 0 ? '' : path.slice(0, cut);
}
