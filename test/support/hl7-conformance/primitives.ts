// Syntax of the primitive data types and of SN, from HL7 v2.5.1 / v2.6 ch. 2A. Each check returns
// undefined when the (escaped, wire) text is valid, else why not.

/** 2A NM: optional leading sign, digits, optional decimal point; no exponent, no grouping. */
const NM = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
/** 2A SI: a non-negative integer. */
const SI = /^\d+$/;
/** 2A DTM: YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]. */
const DTM = /^(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.\d{1,4})?)?)?)?)?)?([+-]\d{4})?$/;
/** 2A DT: YYYY[MM[DD]]. */
const DT = /^(\d{4})(?:(\d{2})(\d{2})?)?$/;
/** 2A TM: HH[MM[SS[.S[S[S[S]]]]]][+/-ZZZZ]. */
const TM = /^(\d{2})(?:(\d{2})(?:(\d{2})(?:\.\d{1,4})?)?)?([+-]\d{4})?$/;
/** RFC 4648 base64 (ch. 2A ED-4 "Base64": the MIME encoding), padding included. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function checkNM(text: string): string | undefined {
  return NM.test(text) ? undefined : `"${clip(text)}" is not an NM number (sign, digits, point; no exponent)`;
}

export function checkSI(text: string): string | undefined {
  return SI.test(text) ? undefined : `"${clip(text)}" is not an SI (non-negative integer)`;
}

function inRange(value: string | undefined, low: number, high: number): boolean {
  return value === undefined || (Number(value) >= low && Number(value) <= high);
}

function offsetOk(zone: string | undefined): boolean {
  if (zone === undefined) return true;
  return Number(zone.slice(1, 3)) <= 14 && Number(zone.slice(3, 5)) <= 59;
}

export function checkDTM(text: string): string | undefined {
  const m = DTM.exec(text);
  if (!m) return `"${clip(text)}" is not a DTM (YYYY[MM[DD[HH[MM[SS[.S...]]]]]][+/-ZZZZ])`;
  const [, , month, day, hour, minute, second, zone] = m;
  const ok = inRange(month, 1, 12) && inRange(day, 1, 31) && inRange(hour, 0, 23) && inRange(minute, 0, 59) && inRange(second, 0, 59) && offsetOk(zone);
  return ok ? undefined : `"${clip(text)}" is not a real date/time`;
}

export function checkDT(text: string): string | undefined {
  const m = DT.exec(text);
  if (!m) return `"${clip(text)}" is not a DT (YYYY[MM[DD]])`;
  return inRange(m[2], 1, 12) && inRange(m[3], 1, 31) ? undefined : `"${clip(text)}" is not a real date`;
}

export function checkTM(text: string): string | undefined {
  const m = TM.exec(text);
  if (!m) return `"${clip(text)}" is not a TM (HH[MM[SS[.S...]]][+/-ZZZZ])`;
  return inRange(m[1], 0, 23) && inRange(m[2], 0, 59) && inRange(m[3], 0, 59) && offsetOk(m[4]) ? undefined : `"${clip(text)}" is not a real time`;
}

export function checkBase64(text: string): string | undefined {
  return BASE64.test(text) ? undefined : 'ED data declared Base64 is not RFC 4648 base64';
}

/** 2A SN comparator: ">" "<" ">=" "<=" "=" "<>" or empty (then "=" is meant). */
const SN_COMPARATORS = new Set(['', '>', '<', '>=', '<=', '=', '<>']);
/** 2A SN separator/suffix: "-" "+" "/" "." ":" or empty. */
const SN_SEPARATORS = new Set(['', '-', '+', '/', '.', ':']);

/** SN = <comparator (ST)> ^ <num1 (NM)> ^ <separator/suffix (ST)> ^ <num2 (NM)>, given as its components. */
export function checkSN(parts: string[]): string[] {
  const out: string[] = [];
  if (parts.length > 4) out.push(`SN has ${parts.length} components, at most 4`);
  const [comparator = '', num1 = '', separator = '', num2 = ''] = parts;
  // In a message the comparators "<" and ">" travel unescaped; only the HL7 delimiters are escaped.
  if (!SN_COMPARATORS.has(comparator)) out.push(`SN comparator "${clip(comparator)}" is not one of > < >= <= = <>`);
  if (!SN_SEPARATORS.has(separator)) out.push(`SN separator/suffix "${clip(separator)}" is not one of - + / . :`);
  if (num1 !== '' && checkNM(num1)) out.push(`SN num1: ${checkNM(num1)}`);
  if (num2 !== '' && checkNM(num2)) out.push(`SN num2: ${checkNM(num2)}`);
  if (num1 === '' && num2 === '') out.push('SN carries no number');
  if (separator !== '' && num2 === '' && separator !== '+') out.push(`SN separator "${separator}" needs num2`);
  return out;
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
