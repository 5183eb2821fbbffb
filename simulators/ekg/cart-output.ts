// What the simulated cart writes: an HL7 aECG document (docs/protocols.md#hl7-aecg-ekg-documents; one per test) or the
// serial text summary (drivers/ekg-serial/README.md). Both carry the same claims and subject.

import type { EcgClaims, Lead } from './synth.ts';

export interface CartPatient {
  mrn: string;
  family: string;
  given: string;
  dob: string; // YYYY-MM-DD
  sex: 'M' | 'F';
}

export interface CartTest {
  id: string;
  takenAt: Date;
  durationS: number;
  sampleRateHz: number;
  claims: EcgClaims;
  statements: string[];
  leads: Lead[];
  patient?: CartPatient;
  model: string;
  serialNumber: string;
}

/** µV per digit in the aECG SLIST_PQ (a common cart resolution). */
export const DIGIT_UV = 2.5;

const MDC = '2.16.840.1.113883.6.24';
const ACT = '2.16.840.1.113883.5.4';

/** XML text, ASCII only: non-ASCII as character references, so the bytes survive any 8-bit channel. */
export function xmlText(s: string): string {
  return s.replace(/[&<>"']|[^\x20-\x7e]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case "'":
        return '&apos;';
      default:
        return `&#${c.codePointAt(0) ?? 63};`;
    }
  });
}

function ts(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}+0000`;
}

function annotation(code: string, value: number, unit: string): string {
  return `          <component><annotation><code code="${code}" codeSystem="${MDC}"/><value xsi:type="PQ" value="${value}" unit="${unit}"/></annotation></component>\n`;
}

export function aecgDocument(t: CartTest): string {
  const end = new Date(t.takenAt.getTime() + t.durationS * 1000);
  const c = t.claims;
  let subject = '';
  if (t.patient) {
    const p = t.patient;
    subject =
      `  <componentOf><timepointEvent><code code="RESTING" codeSystem=""/><componentOf><subjectAssignment>\n` +
      `    <subject><trialSubject>\n` +
      `      <id root="2.16.840.1.113883.3.9999.1" extension="${xmlText(p.mrn)}"/>\n` +
      `      <subjectDemographicPerson>\n` +
      `        <name><family>${xmlText(p.family)}</family><given>${xmlText(p.given)}</given></name>\n` +
      `        <administrativeGenderCode code="${p.sex}" codeSystem="2.16.840.1.113883.5.1"/>\n` +
      `        <birthTime value="${p.dob.replace(/-/g, '')}"/>\n` +
      `      </subjectDemographicPerson>\n` +
      `    </trialSubject></subject>\n` +
      `    <componentOf><clinicalTrial><id root="2.16.840.1.113883.3.9999.2" extension="CLINIC"/></clinicalTrial></componentOf>\n` +
      `  </subjectAssignment></componentOf></timepointEvent></componentOf>\n`;
  }
  let sequences =
    `          <component><sequence><code code="TIME_ABSOLUTE" codeSystem="${ACT}"/>` +
    `<value xsi:type="GLIST_TS"><head value="${ts(t.takenAt)}" unit="s"/><increment value="${1 / t.sampleRateHz}" unit="s"/></value></sequence></component>\n`;
  for (const lead of t.leads) {
    const digits = lead.samples.map((s) => Math.round(s / DIGIT_UV)).join(' ');
    sequences +=
      `          <component><sequence><code code="MDC_ECG_LEAD_${lead.name.toUpperCase()}" codeSystem="${MDC}" codeSystemName="MDC"/>` +
      `<value xsi:type="SLIST_PQ"><origin value="0" unit="uV"/><scale value="${DIGIT_UV}" unit="uV"/><digits>${digits}</digits></value></sequence></component>\n`;
  }
  const statements = t.statements
    .map(
      (s) =>
        `            <component><annotation><code code="MDC_ECG_INTERPRETATION_STATEMENT" codeSystem="${MDC}"/><value xsi:type="ST">${xmlText(s)}</value></annotation></component>\n`,
    )
    .join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<AnnotatedECG xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n` +
    `  <id root="2.16.840.1.113883.3.9999.3" extension="${xmlText(t.id)}"/>\n` +
    `  <code code="93000" codeSystem="2.16.840.1.113883.6.12" codeSystemName="CPT-4"/>\n` +
    `  <effectiveTime><low value="${ts(t.takenAt)}"/><high value="${ts(end)}"/></effectiveTime>\n` +
    subject +
    `  <component>\n    <series>\n` +
    `      <id root="2.16.840.1.113883.3.9999.4" extension="${xmlText(t.id)}-R"/>\n` +
    `      <code code="RHYTHM" codeSystem="${ACT}"/>\n` +
    `      <effectiveTime><low value="${ts(t.takenAt)}"/><high value="${ts(end)}"/></effectiveTime>\n` +
    `      <author><seriesAuthor><manufacturedSeriesDevice><id root="2.16.840.1.113883.3.9999.5" extension="${xmlText(t.serialNumber)}"/>` +
    `<manufacturerModelName>${xmlText(t.model)}</manufacturerModelName></manufacturedSeriesDevice></seriesAuthor></author>\n` +
    `      <component>\n        <sequenceSet>\n${sequences}        </sequenceSet>\n      </component>\n` +
    `      <subjectOf>\n        <annotationSet>\n` +
    annotation('MDC_ECG_HEART_RATE', c.heartRate, 'bpm') +
    annotation('MDC_ECG_TIME_PD_PR', c.prMs, 'ms') +
    annotation('MDC_ECG_TIME_PD_QRS', c.qrsMs, 'ms') +
    annotation('MDC_ECG_TIME_PD_QT', c.qtMs, 'ms') +
    annotation('MDC_ECG_TIME_PD_QTc', c.qtcMs, 'ms') +
    annotation('MDC_ECG_ANGLE_P_FRONT', c.pAxis, 'deg') +
    annotation('MDC_ECG_ANGLE_QRS_FRONT', c.qrsAxis, 'deg') +
    annotation('MDC_ECG_ANGLE_T_FRONT', c.tAxis, 'deg') +
    (statements === ''
      ? ''
      : `          <component><annotation><code code="MDC_ECG_INTERPRETATION" codeSystem="${MDC}"/>\n${statements}          </annotation></component>\n`) +
    `        </annotationSet>\n      </subjectOf>\n    </series>\n  </component>\n</AnnotatedECG>\n`
  );
}

/** The serial summary lines (without line ends); the cart's clock is local time. */
export function serialSummary(t: CartTest): string[] {
  const d = t.takenAt;
  const p = (n: number): string => String(n).padStart(2, '0');
  const c = t.claims;
  const lines = ['ECG REPORT'];
  if (t.patient) {
    lines.push(`ID: ${t.patient.mrn}`, `NAME: ${t.patient.family}, ${t.patient.given}`, `DOB: ${t.patient.dob}`, `SEX: ${t.patient.sex}`);
  }
  lines.push(
    `DATE: ${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`,
    `DEVICE: ${t.model} ${t.serialNumber}`,
    `HR: ${c.heartRate} bpm`,
    `PR: ${c.prMs} ms`,
    `QRS: ${c.qrsMs} ms`,
    `QT/QTc: ${c.qtMs}/${c.qtcMs} ms`,
    `AXES P/QRS/T: ${c.pAxis}/${c.qrsAxis}/${c.tAxis}`,
    ...t.statements.map((s) => `INTERP: ${s}`),
    'END',
  );
  return lines;
}
