// OBX-5 ED (encapsulated data) for both ORU encoders: `^type^subtype^Base64^data` from a MIME type,
// with the tables of the message's HL7 version:
// - v2.6 (PCD-01): ED.2 Type of Data is table 0834 "MIME Types" (application, audio, image, model,
//   multipart, text, video), ED.3 table 0291 whose v2.6 content is "Source RFC 2046": the media
//   subtype itself (`xml`, `pdf`), written in lower case as IANA registers it.
// - v2.5.1 (lab ORU): ED.2 is table 0191 (AP, AU, IM, TEXT, multipart; the long forms Application,
//   Audio, Image are deprecated), ED.3 the v2.5.1 list of table 0291 (XML, Octet-stream, JPEG, TIFF,
//   ...). That list has no PDF: a subtype it lacks is left out (ED.3 is optional) rather than sent
//   as a value outside the table.
// Sources: HL7 v2.5.1 and v2.6 tables 0191, 0291 and 0834 (HL7 Terminology v2-0191, v2-0291 with
// their version history, v2-0834 created in v2.6); RFC 2045/2046 (types and subtypes are
// case-insensitive; parameters follow a `;`).

import { escapeHl7 as esc } from './escape.ts';

export type EdVersion = '2.5.1' | '2.6';

const MIME_TYPES = new Set(['application', 'audio', 'image', 'model', 'multipart', 'text', 'video']);

const TYPE_0191: Record<string, string> = { application: 'AP', audio: 'AU', image: 'IM', text: 'TEXT', multipart: 'multipart' };

const SUBTYPE_0291_V251: Record<string, string> = {
  xml: 'XML',
  'octet-stream': 'Octet-stream',
  jpeg: 'JPEG',
  tiff: 'TIFF',
  gif: 'GIF',
  html: 'HTML',
  rtf: 'RTF',
  sgml: 'SGML',
  postscript: 'PostScript',
  pict: 'PICT',
  dicom: 'DICOM',
  basic: 'BASIC',
  'x-hl7-cda-level-one': 'x-hl7-cda-level-one',
};

/** The media type and subtype, lower case, parameters dropped; `application/octet-stream` when unreadable. */
function mediaParts(mediaType: string): { top: string; sub: string } {
  const [top = '', sub = ''] = (mediaType.split(';')[0] ?? '').trim().toLowerCase().split('/');
  const token = /^[a-z0-9][a-z0-9!#$_.+-]{0,126}$/; // RFC 6838 names, less the HL7 delimiters & and ^
  return token.test(top) && token.test(sub) ? { top, sub } : { top: 'application', sub: 'octet-stream' };
}

/** ED.2 and ED.3 for a MIME type in the given HL7 version (ED.3 may be empty). */
export function edDataTypes(mediaType: string, version: EdVersion): { type: string; subtype: string } {
  const { top, sub } = mediaParts(mediaType);
  if (version === '2.6') return MIME_TYPES.has(top) ? { type: top, subtype: sub } : { type: 'application', subtype: 'octet-stream' };
  return { type: TYPE_0191[top] ?? 'AP', subtype: SUBTYPE_0291_V251[sub.endsWith('+xml') ? 'xml' : sub] ?? '' };
}

/** The ED value (components already escaped): no source application, Base64 encoding. */
export function encapsulatedData(mediaType: string, base64: string, version: EdVersion): string {
  const { type, subtype } = edDataTypes(mediaType, version);
  return `^${esc(type)}^${esc(subtype)}^Base64^${esc(base64)}`;
}
