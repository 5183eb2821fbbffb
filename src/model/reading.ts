// The canonical reading (docs/architecture.md#reading): what every driver's report becomes after normalization.

export type DeviceKind = 'scale' | 'bp' | 'ekg' | 'lab' | 'vitals' | 'generic';

// HL7 table 0078 (the subset devices send); '<' and '>' are below/above the instrument's scale.
export type AbnormalFlag = 'L' | 'H' | 'LL' | 'HH' | 'A' | 'N' | '<' | '>';
export type ResultStatus = 'F' | 'P' | 'C';

export interface MdcCode {
  ref: string; // REFID, e.g. MDC_PRESS_BLD_NONINV_SYS
  code?: number; // numeric code (partition * 65536 + term); absent where sources conflict
}

export interface LocalCode {
  system: string;
  code: string;
  display?: string;
}

export interface ObservationCode {
  mdc?: MdcCode;
  loinc?: string;
  local?: LocalCode;
  display?: string;
}

export interface Waveform {
  kind: 'waveform';
  sampleRateHz: number;
  unit: string;
  /** `resolution`: the amplitude of one step of the device's digitizer, in `unit`, when the device says. */
  leads: Array<{ name: string; samples: number[]; resolution?: number }>;
}

export interface Attachment {
  kind: 'attachment';
  mediaType: string; // e.g. application/pdf, text/xml
  base64: string;
}

export interface Observation {
  code: ObservationCode;
  /** The vocabulary entry the value was normalized against (its unit and plausible range), when there is one. */
  type?: string;
  value: number | string | Waveform | Attachment;
  unit?: string; // UCUM
  /** Decimal places the device sent, so 70.50 kg is not forwarded as 70.5. */
  precision?: number;
  referenceRange?: string;
  flags?: AbnormalFlag[];
  status: ResultStatus;
  observedAt?: string;
  method?: string;
  equipment?: string;
  /** The value and unit exactly as the device sent them, kept for audit when normalization changed them. */
  original?: { value: string; unit?: string };
  /** Comments on this result (ASTM C records after an R record); NTE after its OBX. */
  comments?: string[];
}

/** A specimen type: an HL7 table 0487 code (system `HL70487`) when the sender's text is one we know, else the text as sent. */
export interface SpecimenType {
  code: string;
  display?: string;
  system?: string;
}

export interface PatientRef {
  mrn: string;
  assigningAuthority?: string;
  family?: string;
  given?: string;
  dob?: string; // YYYY-MM-DD
  sex?: 'M' | 'F' | 'O' | 'U';
}

/** The observations of a reading that answer one EHR order, and that order's numbers. */
export interface OrderPart {
  placer?: string;
  filler?: string;
  observations: number[];
}

export interface Reading {
  id: string;
  deviceId: string;
  kind: DeviceKind;
  observedAt: string;
  receivedAt: string;
  subject?: PatientRef;
  /** `id` may be empty when the sender named the specimen's type but not its ID. */
  specimen?: { id: string; collectedAt?: string; type?: SpecimenType };
  /**
   * `code` is what was ordered when it is one test or a panel; `tests` the ordered tests when the
   * analyzer lists several (an ASTM O record's universal test ID repeats): each gets its own OBR.
   */
  order?: { placer?: string; filler?: string; code?: LocalCode; tests?: LocalCode[] };
  /**
   * When the results on one specimen answer several of the EHR's orders: which observations (indexes
   * into `observations`) go out under which order's numbers. Absent: every observation under `order`.
   */
  orderParts?: OrderPart[];
  observations: Observation[];
  /** Comments on the order or patient (ASTM C records after P or O); NTE after the OBR. */
  comments?: string[];
  /** Identity of the instrument (analyzer name, serial) when the device reports one. */
  equipment?: string;
  raw: string;
}
