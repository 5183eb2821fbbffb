// Composite data types of the fields the gateway sends, per version: each component's data type,
// maximum length and bound table, from HL7 v2.5.1 / v2.6 ch. 2A "Data types" (component tables,
// LEN column). Checked against the hl7-dictionary data files (generated from the HL7 database) and
// the HAPI hl7v2 v2.5.1 / v2.6 data type definitions (component types and tables).
//
// Primitive types (ST, ID, IS, NM, SI, DT, DTM, TM, TX, FT) have no components; NA (numeric array)
// is a list of NM of any length (ch. 2A NA: "a series (array) of numeric values"), so it is checked
// by the checker, not described here.

import type { Hl7Version } from './tables.ts';

export interface ComponentDef {
  name: string;
  type: string;
  /** Maximum length (ch. 2A LEN); for a composite component it is not checked (its parts are). */
  len: number;
  table?: string;
  required: boolean;
}

function c(name: string, type: string, len: number, table?: string, required = false): ComponentDef {
  return table === undefined ? { name, type, len, required } : { name, type, len, table, required };
}

function both(def: ComponentDef[]): Record<Hl7Version, ComponentDef[]> {
  return { '2.5.1': def, '2.6': def };
}

const COMPOSITES: Record<string, Record<Hl7Version, ComponentDef[]>> = {
  CE: both([
    c('Identifier', 'ST', 20),
    c('Text', 'ST', 199),
    c('Name of Coding System', 'ID', 20, '0396'),
    c('Alternate Identifier', 'ST', 20),
    c('Alternate Text', 'ST', 199),
    c('Name of Alternate Coding System', 'ID', 20, '0396'),
  ]),
  CNE: both([
    c('Identifier', 'ST', 20, undefined, true),
    c('Text', 'ST', 199),
    c('Name of Coding System', 'ID', 20, '0396'),
    c('Alternate Identifier', 'ST', 20),
    c('Alternate Text', 'ST', 199),
    c('Name of Alternate Coding System', 'ID', 20, '0396'),
    c('Coding System Version ID', 'ST', 10),
    c('Alternate Coding System Version ID', 'ST', 10),
    c('Original Text', 'ST', 199),
  ]),
  CQ: {
    '2.5.1': [c('Quantity', 'NM', 16), c('Units', 'CE', 483)],
    '2.6': [c('Quantity', 'NM', 16), c('Units', 'CWE', 705)],
  },
  CWE: both([
    c('Identifier', 'ST', 20),
    c('Text', 'ST', 199),
    c('Name of Coding System', 'ID', 20, '0396'),
    c('Alternate Identifier', 'ST', 20),
    c('Alternate Text', 'ST', 199),
    c('Name of Alternate Coding System', 'ID', 20, '0396'),
    c('Coding System Version ID', 'ST', 10),
    c('Alternate Coding System Version ID', 'ST', 10),
    c('Original Text', 'ST', 199),
  ]),
  CX: {
    '2.5.1': [
      c('ID Number', 'ST', 15, undefined, true),
      c('Check Digit', 'ST', 1),
      c('Check Digit Scheme', 'ID', 3, '0061'),
      c('Assigning Authority', 'HD', 227, '0363'),
      c('Identifier Type Code', 'ID', 5, '0203'),
      c('Assigning Facility', 'HD', 227),
      c('Effective Date', 'DT', 8),
      c('Expiration Date', 'DT', 8),
      c('Assigning Jurisdiction', 'CWE', 705),
      c('Assigning Agency or Department', 'CWE', 705),
    ],
    '2.6': [
      c('ID Number', 'ST', 15, undefined, true),
      c('Check Digit', 'ST', 4),
      c('Check Digit Scheme', 'ID', 3, '0061'),
      c('Assigning Authority', 'HD', 227, '0363'),
      c('Identifier Type Code', 'ID', 5, '0203'),
      c('Assigning Facility', 'HD', 227),
      c('Effective Date', 'DT', 8),
      c('Expiration Date', 'DT', 8),
      c('Assigning Jurisdiction', 'CWE', 705),
      c('Assigning Agency or Department', 'CWE', 705),
    ],
  },
  DR: {
    '2.5.1': [c('Range Start Date/Time', 'TS', 26), c('Range End Date/Time', 'TS', 26)],
    '2.6': [c('Range Start Date/Time', 'DTM', 24), c('Range End Date/Time', 'DTM', 24)],
  },
  ED: {
    '2.5.1': [
      c('Source Application', 'HD', 227),
      c('Type of Data', 'ID', 9, '0191', true),
      c('Data Subtype', 'ID', 18, '0291'),
      c('Encoding', 'ID', 6, '0299', true),
      c('Data', 'TX', 65536, undefined, true),
    ],
    '2.6': [
      c('Source Application', 'HD', 1027),
      c('Type of Data', 'ID', 11, '0834', true),
      c('Data Subtype', 'ID', 32, '0291'),
      c('Encoding', 'ID', 6, '0299', true),
      c('Data', 'TX', 65536, undefined, true),
    ],
  },
  EI: both([c('Entity Identifier', 'ST', 199), c('Namespace ID', 'IS', 20, '0363'), c('Universal ID', 'ST', 199), c('Universal ID Type', 'ID', 6, '0301')]),
  EIP: both([c('Placer Assigned Identifier', 'EI', 427), c('Filler Assigned Identifier', 'EI', 427)]),
  FN: both([
    c('Surname', 'ST', 50, undefined, true),
    c('Own Surname Prefix', 'ST', 20),
    c('Own Surname', 'ST', 50),
    c('Surname Prefix From Partner/Spouse', 'ST', 20),
    c('Surname From Partner/Spouse', 'ST', 50),
  ]),
  HD: {
    '2.5.1': [c('Namespace ID', 'IS', 20, '0300'), c('Universal ID', 'ST', 199), c('Universal ID Type', 'ID', 6, '0301')],
    '2.6': [c('Namespace ID', 'IS', 20, '0300'), c('Universal ID', 'ST', 999), c('Universal ID Type', 'ID', 6, '0301')],
  },
  MSG: both([c('Message Code', 'ID', 3, '0076', true), c('Trigger Event', 'ID', 3, '0003'), c('Message Structure', 'ID', 7, '0354')]),
  PL: both([
    c('Point of Care', 'IS', 20, '0302'),
    c('Room', 'IS', 20, '0303'),
    c('Bed', 'IS', 20, '0304'),
    c('Facility', 'HD', 227),
    c('Location Status', 'IS', 20, '0306'),
    c('Person Location Type', 'IS', 20, '0305'),
    c('Building', 'IS', 20, '0307'),
    c('Floor', 'IS', 20, '0308'),
    c('Location Description', 'ST', 199),
    c('Comprehensive Location Identifier', 'EI', 427),
    c('Assigning Authority for Location', 'HD', 227),
  ]),
  PT: both([c('Processing ID', 'ID', 1, '0103'), c('Processing Mode', 'ID', 1, '0207')]),
  SN: both([c('Comparator', 'ST', 2), c('Num1', 'NM', 15), c('Separator/Suffix', 'ST', 1), c('Num2', 'NM', 15)]),
  TS: both([c('Time', 'DTM', 24, undefined, true), c('Degree of Precision', 'ID', 1, '0529')]),
  VID: {
    '2.5.1': [c('Version ID', 'ID', 5, '0104'), c('Internationalization Code', 'CE', 483, '0399'), c('International Version ID', 'CE', 483)],
    '2.6': [c('Version ID', 'ID', 5, '0104'), c('Internationalization Code', 'CWE', 483, '0339'), c('International Version ID', 'CWE', 483)],
  },
  XCN: {
    '2.5.1': [
      c('ID Number', 'ST', 15),
      c('Family Name', 'FN', 194),
      c('Given Name', 'ST', 30),
      c('Second and Further Given Names or Initials Thereof', 'ST', 30),
      c('Suffix', 'ST', 20),
      c('Prefix', 'ST', 20),
      c('Degree', 'IS', 5, '0360'),
      c('Source Table', 'IS', 4, '0297'),
      c('Assigning Authority', 'HD', 227, '0363'),
      c('Name Type Code', 'ID', 1, '0200'),
      c('Identifier Check Digit', 'ST', 1),
      c('Check Digit Scheme', 'ID', 3, '0061'),
      c('Identifier Type Code', 'ID', 5, '0203'),
      c('Assigning Facility', 'HD', 227),
      c('Name Representation Code', 'ID', 1, '0465'),
      c('Name Context', 'CE', 483, '0448'),
      c('Name Validity Range', 'DR', 53),
      c('Name Assembly Order', 'ID', 1, '0444'),
      c('Effective Date', 'TS', 26),
      c('Expiration Date', 'TS', 26),
      c('Professional Suffix', 'ST', 199),
      c('Assigning Jurisdiction', 'CWE', 705),
      c('Assigning Agency or Department', 'CWE', 705),
    ],
    '2.6': [
      c('ID Number', 'ST', 15),
      c('Family Name', 'FN', 194),
      c('Given Name', 'ST', 30),
      c('Second and Further Given Names or Initials Thereof', 'ST', 30),
      c('Suffix', 'ST', 20),
      c('Prefix', 'ST', 20),
      c('Degree', 'IS', 5, '0360'),
      c('Source Table', 'IS', 4, '0297'),
      c('Assigning Authority', 'HD', 227),
      c('Name Type Code', 'ID', 1, '0200'),
      c('Identifier Check Digit', 'ST', 4),
      c('Check Digit Scheme', 'ID', 3, '0061'),
      c('Identifier Type Code', 'ID', 5, '0203'),
      c('Assigning Facility', 'HD', 227),
      c('Name Representation Code', 'ID', 1, '0465'),
      c('Name Context', 'CWE', 705),
      c('Name Validity Range', 'DR', 49),
      c('Name Assembly Order', 'ID', 1, '0444'),
      c('Effective Date', 'DTM', 24),
      c('Expiration Date', 'DTM', 24),
      c('Professional Suffix', 'ST', 199),
      c('Assigning Jurisdiction', 'CWE', 705),
      c('Assigning Agency or Department', 'CWE', 705),
    ],
  },
  XPN: {
    '2.5.1': [
      c('Family Name', 'FN', 194),
      c('Given Name', 'ST', 30),
      c('Second and Further Given Names or Initials Thereof', 'ST', 30),
      c('Suffix', 'ST', 20),
      c('Prefix', 'ST', 20),
      c('Degree', 'IS', 6, '0360'),
      c('Name Type Code', 'ID', 1, '0200'),
      c('Name Representation Code', 'ID', 1, '0465'),
      c('Name Context', 'CE', 483, '0448'),
      c('Name Validity Range', 'DR', 53),
      c('Name Assembly Order', 'ID', 1, '0444'),
      c('Effective Date', 'TS', 26),
      c('Expiration Date', 'TS', 26),
      c('Professional Suffix', 'ST', 199),
    ],
    '2.6': [
      c('Family Name', 'FN', 194),
      c('Given Name', 'ST', 30),
      c('Second and Further Given Names or Initials Thereof', 'ST', 30),
      c('Suffix', 'ST', 20),
      c('Prefix', 'ST', 20),
      c('Degree', 'IS', 6, '0360'),
      c('Name Type Code', 'ID', 1, '0200'),
      c('Name Representation Code', 'ID', 1, '0465'),
      c('Name Context', 'CWE', 705, '0448'),
      c('Name Validity Range', 'DR', 49),
      c('Name Assembly Order', 'ID', 1, '0444'),
      c('Effective Date', 'DTM', 24),
      c('Expiration Date', 'DTM', 24),
      c('Professional Suffix', 'ST', 199),
    ],
  },
};

export const PRIMITIVES = new Set(['ST', 'ID', 'IS', 'NM', 'SI', 'DT', 'DTM', 'TM', 'TX', 'FT', 'GTS']);

/** The components of a composite type in `version`; undefined for primitives and types not described here. */
export function composite(version: Hl7Version, type: string): ComponentDef[] | undefined {
  return COMPOSITES[type]?.[version];
}
