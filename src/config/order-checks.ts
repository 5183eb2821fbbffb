// What a device's `orders` settings need beyond their schema: a driver that can take them, results
// matched by specimen ID, an analyzer code for each ordered test that names one test only, and the
// EHR's feed the orders come from. Pure.

import type { Driver } from '../model/driver.ts';
import { mappingsOf } from './code-mappings.ts';
import type { ConfigProblem } from './schema-problems.ts';
import type { Config, DeviceConfigT } from './schema.ts';

export function orderProblems(config: Config, device: DeviceConfigT, at: string, driver: Driver): ConfigProblem[] {
  const orders = device.orders;
  if (!orders) return [];
  const problems: ConfigProblem[] = [];
  const can = driver.orders;
  const needs = { query: orders.mode !== 'download', download: orders.mode !== 'query' };
  if (!can || (!can.query && !can.download)) {
    problems.push({ path: `${at}.orders`, message: `driver "${driver.id}" takes no orders (no host query, no download): remove "orders"` });
  } else {
    const missing = (['query', 'download'] as const).filter((k) => needs[k] && !can[k]);
    if (missing.length > 0) {
      const offers = can.query ? 'query' : 'download';
      problems.push({
        path: `${at}.orders.mode`,
        message: `driver "${driver.id}" cannot take orders by ${missing.join(' or ')}: use mode "${offers}"`,
      });
    }
  }
  if (device.patient !== undefined && device.patient.mode !== 'order') {
    problems.push({
      path: `${at}.patient.mode`,
      message: `a device with "orders" files its results under their order by specimen ID: use mode "order" (or leave "patient" out), not "${device.patient.mode}"`,
    });
  }
  if (orders.tests === undefined) {
    // The code map in reverse must name one analyzer code per ordered LOINC.
    const byLoinc = new Map<string, string[]>();
    for (const [code, m] of Object.entries(device.codeMap ?? {})) {
      for (const loinc of new Set(mappingsOf(m).flatMap((x) => (x.loinc === undefined ? [] : [x.loinc])))) {
        byLoinc.set(loinc, [...(byLoinc.get(loinc) ?? []), code]);
      }
    }
    for (const [loinc, codes] of byLoinc) {
      if (codes.length < 2) continue;
      problems.push({
        path: `${at}.codeMap`,
        message: `${codes.map((c) => `"${c}"`).join(' and ')} both map to LOINC ${loinc}: an order for ${loinc} would not say which test to run; give orders.tests`,
      });
    }
    if (byLoinc.size === 0) {
      problems.push({ path: `${at}.orders.tests`, message: 'no test could be ordered: give orders.tests, or a codeMap whose codes map to LOINC' });
    }
  }
  if (!config.inbound) {
    problems.push({ path: `${at}.orders`, message: 'orders come from the EHR\'s feed: configure "inbound" (the MLLP listener for ADT and orders)' });
  }
  return problems;
}
