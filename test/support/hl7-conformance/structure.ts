// The abstract message structure of ORU^R01 (HL7 v2.5.1 ch. 7.3.1, v2.6 ch. 7.3.1) as data, and a
// matcher that places each segment in it or says which one is out of place. Groups and marks as in
// the HAPI hl7v2 v2.5.1 / v2.6 ORU_R01 message and group classes:
//
// v2.5.1  MSH [{SFT}] {PATIENT_RESULT} [DSC]
//   PATIENT_RESULT    [PATIENT] {ORDER_OBSERVATION}
//   PATIENT           PID [PD1] [{NTE}] [{NK1}] [VISIT]
//   VISIT             PV1 [PV2]
//   ORDER_OBSERVATION [ORC] OBR [{NTE}] [{TIMING_QTY}] [CTD] [{OBSERVATION}] [{FT1}] [{CTI}] [{SPECIMEN}]
//   TIMING_QTY        TQ1 [{TQ2}]
//   OBSERVATION       OBX [{NTE}]
//   SPECIMEN          SPM [{OBX}]
// v2.6 adds [UAC] after SFT, [{OBX}] in PATIENT before VISIT and [{ROL}] after OBR's NTEs.

import type { Hl7Version } from './tables.ts';

export type StructureNode =
  | { kind: 'segment'; name: string; optional: boolean; repeating: boolean }
  | { kind: 'group'; name: string; optional: boolean; repeating: boolean; children: StructureNode[] };

/** `'PID'` required, `'[PD1]'` optional, `'{OBX}'` repeating, `'[{NTE}]'` both. */
function seg(mark: string): StructureNode {
  const optional = mark.startsWith('[');
  const inner = optional ? mark.slice(1, -1) : mark;
  const repeating = inner.startsWith('{');
  return { kind: 'segment', name: repeating ? inner.slice(1, -1) : inner, optional, repeating };
}

function group(name: string, optional: boolean, repeating: boolean, children: Array<string | StructureNode>): StructureNode {
  return { kind: 'group', name, optional, repeating, children: children.map((c) => (typeof c === 'string' ? seg(c) : c)) };
}

function oruR01(version: Hl7Version): StructureNode {
  const v26 = version === '2.6';
  const visit = group('VISIT', true, false, ['PV1', '[PV2]']);
  const patient = group('PATIENT', true, false, ['PID', '[PD1]', '[{NTE}]', '[{NK1}]', ...(v26 ? ['[{OBX}]'] : []), visit]);
  const order = group('ORDER_OBSERVATION', false, true, [
    '[ORC]',
    'OBR',
    '[{NTE}]',
    ...(v26 ? ['[{ROL}]'] : []),
    group('TIMING_QTY', true, true, ['TQ1', '[{TQ2}]']),
    '[CTD]',
    group('OBSERVATION', true, true, ['OBX', '[{NTE}]']),
    '[{FT1}]',
    '[{CTI}]',
    group('SPECIMEN', true, true, ['SPM', '[{OBX}]']),
  ]);
  return group('ORU_R01', false, false, ['MSH', '[{SFT}]', ...(v26 ? ['[UAC]'] : []), group('PATIENT_RESULT', false, true, [patient, order]), '[DSC]']);
}

export const ORU_R01: Record<Hl7Version, StructureNode> = { '2.5.1': oruR01('2.5.1'), '2.6': oruR01('2.6') };

export interface Placement {
  /** The group path of each segment, e.g. `PATIENT_RESULT/ORDER_OBSERVATION/OBSERVATION/OBX`. */
  paths: string[];
  /** The first segment that has no place, and what could have stood there. */
  outOfPlace?: { index: number; name: string; expected: string[] };
}

/**
 * Places the segments greedily, as HL7 parsers do: each optional or repeating item takes as many
 * segments as it can before the next item is tried. The structure of ORU^R01 is unambiguous under
 * this rule (every group starts with a segment that cannot continue the one before).
 */
export function placeSegments(root: StructureNode, names: string[]): Placement {
  const paths: string[] = [];
  let furthest = -1;
  let expected = new Set<string>();
  const expect = (index: number, name: string): void => {
    if (index > furthest) {
      furthest = index;
      expected = new Set();
    }
    if (index === furthest) expected.add(name);
  };

  // Returns the index after the node's segments, or undefined when a required part is missing.
  function matchNode(node: StructureNode, i: number, path: string): number | undefined {
    if (node.kind === 'segment') {
      if (names[i] === node.name) {
        paths[i] = `${path}${node.name}`;
        return i + 1;
      }
      expect(i, node.name);
      return undefined;
    }
    return matchChildren(node.children, i, `${path}${node.name}/`);
  }

  function matchChildren(children: StructureNode[], start: number, path: string): number | undefined {
    let i = start;
    for (const child of children) {
      let count = 0;
      for (;;) {
        const next = matchNode(child, i, path);
        if (next === undefined || next === i) break;
        i = next;
        count++;
        if (!child.repeating) break;
      }
      if (count === 0 && !child.optional) return undefined;
    }
    return i;
  }

  // The root's own name is left out of the paths: they start at its children.
  const end = root.kind === 'group' ? matchChildren(root.children, 0, '') : matchNode(root, 0, '');
  const done = end ?? 0;
  if (end === names.length) return { paths };
  const index = Math.max(done, furthest);
  if (index >= names.length) {
    return { paths, outOfPlace: { index: names.length, name: '(end of message)', expected: [...expected].sort() } };
  }
  return { paths, outOfPlace: { index, name: names[index] ?? '', expected: [...expected].sort() } };
}
