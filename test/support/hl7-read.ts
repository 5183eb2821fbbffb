// Reads a received ORU with node-hl7-client (an independent parser), as the EHR would.

import { Message } from 'node-hl7-client';

export interface ParsedObx {
  valueType: string;
  code: string;
  codeText: string;
  codeSystem: string;
  altCode: string;
  altSystem: string;
  subId: string;
  value: string;
  unit: string;
  status: string;
  observedAt: string;
  equipment: string;
}

export interface ParsedOru {
  type: string;
  controlId: string;
  version: string;
  profile: string;
  profileOid: string;
  pid3: string;
  pid3Authority: string;
  family: string;
  given: string;
  dob: string;
  obx: ParsedObx[];
}

export function readOru(text: string): ParsedOru {
  const m = new Message({ text });
  const s = (path: string) => m.get(path).toString();
  const obx: ParsedObx[] = [];
  m.get('OBX').forEach((seg) => {
    const f = (path: string) => seg.get(`OBX.${path}`).toString();
    obx.push({
      valueType: f('2'),
      code: f('3.1'),
      codeText: f('3.2'),
      codeSystem: f('3.3'),
      altCode: f('3.4'),
      altSystem: f('3.6'),
      subId: f('4'),
      value: f('5'),
      unit: seg.get('OBX.6').toRaw(),
      status: f('11'),
      observedAt: f('14'),
      equipment: seg.get('OBX.18').toRaw(),
    });
  });
  return {
    type: `${s('MSH.9.1')}^${s('MSH.9.2')}^${s('MSH.9.3')}`,
    controlId: s('MSH.10'),
    version: s('MSH.12'),
    profile: s('MSH.21.1'),
    profileOid: s('MSH.21.3'),
    pid3: s('PID.3.1'),
    pid3Authority: s('PID.3.4'),
    family: s('PID.5.1'),
    given: s('PID.5.2'),
    dob: s('PID.7'),
    obx,
  };
}

export function numericObx(oru: ParsedOru): ParsedObx[] {
  return oru.obx.filter((o) => o.valueType === 'NM');
}
