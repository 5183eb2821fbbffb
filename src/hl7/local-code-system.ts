// The coding system name a message gives codes that are local to this gateway or its devices.
// HL7 table 0396 allows only `L` or `99zzz` (z alphanumeric) for local codes (HL7 v2.5.1 and v2.6,
// table 0396 "99zzz or L: local general code"); the zzz part is kept to three characters, so the
// name fits CWE.3 and CNE.3 everywhere. The model's own marker for codes without a standard code
// (vocabulary LOCAL_CODE_SYSTEM) is not such a name and so never reaches a message.

export const DEFAULT_LOCAL_CODE_SYSTEM = '99MDG';

/** The same rule as a JSON-schema pattern (config `gateway.localCodeSystem`, `devices[].lab.localCodeSystem`). */
export const LOCAL_CODE_SYSTEM_PATTERN = '^(L|99[A-Za-z0-9]{1,3})$';

const LOCAL_NAME = new RegExp(LOCAL_CODE_SYSTEM_PATTERN);

/** Whether a coding system name is a table 0396 local name (`L`, `99zzz`). */
export function isLocalCodeSystemName(name: string): boolean {
  return LOCAL_NAME.test(name);
}

/**
 * The coding system to write for a local code: the configured one when there is one (the gateway's
 * `localCodeSystem`, or a device's override); otherwise the code's own system when it already is a
 * table 0396 local name, else the default.
 */
export function wireLocalCodeSystem(own: string, configured: string | undefined): string {
  if (configured !== undefined && configured !== '') return configured;
  return isLocalCodeSystemName(own) ? own : DEFAULT_LOCAL_CODE_SYSTEM;
}
