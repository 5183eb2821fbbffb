// What the Test link dialog says about a running device: its test taps the real link, so what
// the device sends meanwhile is also taken as readings (the gateway never drops a real device's
// output) and, with a patient bound, charted to that patient. Said before the test and again
// with its answer. Pure.

import type { DeviceView, LinkTestResult } from '../../api-types.ts';
import { patientLabel } from './reading-format.ts';

function boundNow(view: DeviceView, now: Date): DeviceView['binding'] {
  const b = view.binding;
  return b && (b.until === undefined || Date.parse(b.until) > now.getTime()) ? b : undefined;
}

/** The warning before a test of a saved, enabled device's link; undefined for a device that does not run. */
export function runningWarning(view: DeviceView | undefined, now = new Date()): string | undefined {
  if (!view?.enabled) return undefined;
  const lead = 'This device is running: whatever it sends during the test is also taken as readings';
  const binding = boundNow(view, now);
  return binding ? `${lead}, and charted to ${patientLabel(binding.patient)}: unbind first if you will send test readings.` : `${lead}.`;
}

/**
 * Said when Test is pressed and an enabled device already runs on the link under test: the server
 * watches that device's link, so the test's bytes become its readings. Undefined when none does.
 */
export function heldLinkWarning(holder: DeviceView | undefined, testedId: string | undefined, now = new Date()): string | undefined {
  if (!holder?.enabled) return undefined;
  if (holder.id === testedId) return runningWarning(holder, now);
  const name = holder.label ?? holder.id;
  const lead = `${name} is running on this link: whatever arrives during the test is also taken as its readings`;
  const binding = boundNow(holder, now);
  return binding ? `${lead}, and charted to ${patientLabel(binding.patient)}: unbind it first if you will send test readings.` : `${lead}.`;
}

/** Whether a test on the holder's link would chart to a patient now: then the page asks before testing. */
export function holderBound(holder: DeviceView | undefined, now = new Date()): boolean {
  return holder?.enabled === true && boundNow(holder, now) !== undefined;
}

/** After a test of a running device's link that brought bytes: where they went. */
export function takenNote(result: LinkTestResult): string | undefined {
  if (!result.running || result.bytes === 0) return undefined;
  const device = result.runningDevice ? (result.runningDevice.label ?? result.runningDevice.id) : 'The device';
  const lead = `${device} is running: what arrived was also taken as its readings`;
  return result.boundTo ? `${lead}, charted to ${patientLabel(result.boundTo)}. Check that patient's readings for test values.` : `${lead}.`;
}
