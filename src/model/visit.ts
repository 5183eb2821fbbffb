// A patient's current visit as the EHR's ADT describes it (PV1), kept by the patient directory and
// sent back in PV1 of a result. Here, below both, because the HL7 encoders and the store need it too.

export interface Visit {
  /** PV1-19. */
  visitNumber?: string;
  /** PV1-2: I inpatient, O outpatient, E emergency, ... */
  patientClass?: string;
  /** PV1-3 as sent (point of care^room^bed), for PV1-3 of the ORU. */
  location?: string;
  admittedAt?: string;
  dischargedAt?: string;
}
