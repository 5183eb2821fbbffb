// A count with its noun, for every page text: "1 result", "3 results", "2 QC rejections not reviewed".

/** "1 patient result", "2 patient results"; `many` for a plural that is not `one` + "s". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
