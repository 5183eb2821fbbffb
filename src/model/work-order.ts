// Orders going to an analyzer (host query and download), in the analyzer's own terms. The gateway
// decides what an analyzer gets (src/orders/); a driver only puts it on the wire and says how the
// analyzer answered. docs/architecture.md#orders.

/** One test as the analyzer knows it. */
export interface WorkTest {
  /** The analyzer's own test code (ASTM O-5 component 4, HL7 OBR-4.1 in the analyzer's coding system). */
  code: string;
  /** The EHR's code it was ordered as (LOINC or the EHR's own), for the analyzer's display only. */
  ordered?: { system: string; code: string; display?: string };
}

/**
 * What the analyzer does with the tests named:
 * - `new`: a new specimen with these tests (ASTM O-12 `N`, HL7 ORC-1 `NW`);
 * - `add`: add these tests to a specimen the analyzer already has (ASTM `A`, HL7 `NW` with the same numbers);
 * - `cancel`: do not run these tests (ASTM `C`, HL7 ORC-1 `CA`).
 */
export type WorkAction = 'new' | 'add' | 'cancel';

/** One specimen's work for one analyzer: what a host-query answer and a download carry. */
export interface WorkOrder {
  action: WorkAction;
  specimenId: string;
  /** The specimen type for the analyzer (ASTM O-16, HL7 SPM-4 / OBR-15): the order's, else the device's first configured one. */
  specimenType?: string;
  /** ORC-2 / placer order number. */
  placer?: string;
  /** ORC-3 / filler order number. */
  filler?: string;
  patient: {
    /** The patient ID the analyzer prints and sends back (ASTM P-3, HL7 PID-3). */
    mrn: string;
    assigningAuthority?: string;
    family?: string;
    given?: string;
    /** YYYY-MM-DD. */
    birthDate?: string;
    sex?: 'M' | 'F' | 'O' | 'U';
  };
  /** Never empty. */
  tests: WorkTest[];
  priority?: 'routine' | 'stat';
  /** ISO 8601 with offset. */
  orderedAt?: string;
  collectedAt?: string;
}

/**
 * How the analyzer answered a download:
 * - `accepted`: it took the order (ASTM: every frame acknowledged and the transmission ended with EOT;
 *   HL7: an ACK with MSA-1 AA or CA);
 * - `retry`: not now, nothing was refused (no connection, the analyzer busy or sending itself, no
 *   answer in time, a frame not acknowledged after the retries E1381 allows): send it again later;
 * - `rejected`: the analyzer refused this order (HL7 MSA-1 AE/AR): sending it again would be refused
 *   again, so it becomes a dead letter with `reason`, the analyzer's words (MSA-3 / ERR) when it gave them.
 * A `retry` with `answered`: the analyzer was there and did not take it (ASTM: a frame NAKed on every
 * try, an interrupt; HL7: MSA-1 CE, or no ACK while the analyzer sends other messages). ASTM has no other way to refuse, so the gateway counts these and
 * makes the order a dead letter after a few in a row (src/orders/download-judge.ts) instead of letting
 * one order the analyzer will not take hold up the others behind it.
 */
export type DownloadOutcome = { outcome: 'accepted' } | { outcome: 'retry'; reason: string; answered?: true } | { outcome: 'rejected'; reason: string };

/** What the analyzer asked about in a host query, and the gateway's answer. */
export interface WorklistAnswer {
  /** One per specimen asked about that has open work for this analyzer. */
  orders: WorkOrder[];
  /** Specimens asked about with nothing for this analyzer: answered "no information" (E1394 L-3 `I`, HL7 QAK-2 `NF`). */
  unknown: string[];
}

/** The gateway's side of a host query; on `DeviceLink` only when the device's orders take queries. */
export interface Worklist {
  /**
   * How long the analyzer waits for the answer (the device's `orders.answerWithinMs`). An answer that
   * cannot start on the wire within it is dropped, logged, and never sent late: the analyzer has
   * given up and sent late it would be taken for the answer to its next query.
   */
  answerWithinMs: number;
  /**
   * The open work for these specimens. Resolves at once from memory (never rejects); records that
   * the analyzer asked (the order's status shows "queried") without waiting for the disk.
   */
  query(specimenIds: string[]): WorklistAnswer;
  /** The answer went out (`sent`) or could not (`reason`): recorded on each order's status. */
  answered(answer: WorklistAnswer, result: { sent: true } | { sent: false; reason: string }): void;
}

/** What a driver can do with orders; config validation refuses `orders` settings a driver cannot honour. */
export interface OrderCapabilities {
  query: boolean;
  download: boolean;
}
