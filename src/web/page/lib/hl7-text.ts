// HL7 v2 text split for display (segments and fields) and what ACK codes mean. DOM-free.

export interface Segment {
  name: string;
  /** Fields after the name, as sent (components and escapes untouched). For MSH, MSH-2 first. */
  fields: string[];
}

/** Segments are ended by CR; LF and CRLF are accepted too, so a pasted or logged message reads the same. */
export function splitSegments(text: string): { separator: string; segments: Segment[] } {
  const lines = text.split(/\r\n|\r|\n/).filter((l) => l.trim() !== '');
  const msh = lines.find((l) => /^(MSH|BHS|FHS)/.test(l));
  const separator = msh && msh.length > 3 ? msh[3]! : '|';
  const segments = lines.map((line) => {
    if (/^(MSH|BHS|FHS)/.test(line) && line.length > 3) {
      // MSH-1 is the separator itself, so it is not split out as a field.
      return { name: line.slice(0, 3), fields: line.slice(4).split(separator) };
    }
    const [name = '', ...fields] = line.split(separator);
    return { name, fields };
  });
  return { separator, segments };
}

/** Whether a body is HL7 v2 (an MQTT uplink sends JSON instead). */
export function looksLikeHl7(text: string): boolean {
  return /^\s*(MSH|BHS|FHS)./.test(text);
}

/** The field number a person sees in a spec, e.g. MSH-9 or PID-5, for field index i of fields. */
export function fieldNumber(segment: string, index: number): number {
  return /^(MSH|BHS|FHS)$/.test(segment) ? index + 2 : index + 1;
}

const ACK_MEANINGS: Record<string, string> = {
  AA: 'Application accept: the EHR took the message',
  AE: 'Application error: the EHR could not process it',
  AR: 'Application reject: the EHR refused it',
  CA: 'Commit accept: the EHR stored the message',
  CE: 'Commit error: the EHR could not store it',
  CR: 'Commit reject: the EHR refused to store it',
};

export function ackMeaning(code: string): string {
  return ACK_MEANINGS[code] ?? `unknown acknowledgement code ${code}`;
}

export function ackIsPositive(code: string): boolean {
  return code === 'AA' || code === 'CA';
}
