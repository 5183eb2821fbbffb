// UCUM validation by the NLM's reference implementation (@lhncbc/ucum-lhc, The Unified Code for
// Units of Measure, ucum.org): a unit string that is not valid UCUM must not go out as one.

import { createRequire } from 'node:module';

interface UcumValidation {
  status: 'valid' | 'invalid' | 'error';
  msg: string[];
}

interface UcumUtils {
  validateUnitString(unit: string, suggest?: boolean): UcumValidation;
}

// ucum-lhc is CommonJS without types: narrowed here to the one call used.
const require = createRequire(import.meta.url);
const ucumPkg = require('@lhncbc/ucum-lhc') as { UcumLhcUtils: { getInstance(): UcumUtils } };
const utils = ucumPkg.UcumLhcUtils.getInstance();

/** Undefined when `unit` is valid UCUM, else what the validator says. */
export function ucumProblem(unit: string): string | undefined {
  const result = utils.validateUnitString(unit);
  return result.status === 'valid' ? undefined : `"${unit}" is not valid UCUM (${result.status}: ${result.msg.join('; ')})`;
}
