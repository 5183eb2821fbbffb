import { describe, expect, it } from 'vitest';
import type { CodeMappingT } from '../../../src/config/schema.ts';
import { codeMapProblems, declaredScales, resolveMapping, type CodeMapConfig } from '../../../src/pipeline/code-map.ts';
import { specimenType } from '../../../src/model/specimen.ts';

const SERUM_GLU: CodeMappingT = { specimen: ['SER', 'PLAS'], loinc: '2345-7' };
const URINE_GLU: CodeMappingT = { specimen: ['UR'], loinc: '25428-4' };
const ANY_GLU: CodeMappingT = { loinc: '2339-0' };
const MODULE_GLU: CodeMappingT = { specimen: ['UR'], instrument: 'UA-200', loinc: '5792-7' };

const subject = (specimen: string | undefined, analyzer?: string, module?: string) => ({
  code: 'GLU',
  specimen: specimenType(specimen),
  ...(analyzer ? { analyzer } : {}),
  ...(module ? { module } : {}),
});

describe('resolveMapping', () => {
  const map: CodeMapConfig = { GLU: [ANY_GLU, SERUM_GLU, URINE_GLU, MODULE_GLU] };

  it('picks the mapping for the specimen, whatever the order of the list', () => {
    expect(resolveMapping(map, subject('serum'))).toBe(SERUM_GLU);
    expect(resolveMapping(map, subject('urine'))).toBe(URINE_GLU);
    expect(resolveMapping({ GLU: [URINE_GLU, SERUM_GLU] }, subject('SER'))).toBe(SERUM_GLU);
  });

  it('prefers specimen and instrument, then specimen, then the general mapping', () => {
    expect(resolveMapping(map, subject('urine', 'UA-200 SN0042'))).toBe(MODULE_GLU);
    expect(resolveMapping(map, subject('urine', 'CHEM-300'))).toBe(URINE_GLU);
    expect(resolveMapping(map, subject(undefined))).toBe(ANY_GLU);
    expect(resolveMapping(map, subject('CSF'))).toBe(ANY_GLU);
  });

  it("prefers the result's own module over the analyzer as a whole, whatever the order", () => {
    const byModule: CodeMappingT = { specimen: ['UR'], instrument: 'STRIP-B', loinc: '25428-4' };
    const byAnalyzer: CodeMappingT = { specimen: ['UR'], instrument: 'UA-200', loinc: '5792-7' };
    for (const list of [
      [byAnalyzer, byModule],
      [byModule, byAnalyzer],
    ]) {
      expect(resolveMapping({ GLU: list }, subject('urine', 'UA-200 SN0042', 'STRIP-B'))).toBe(byModule);
      expect(resolveMapping({ GLU: list }, subject('urine', 'UA-200 SN0042', 'STRIP-A'))).toBe(byAnalyzer);
    }
  });

  it('finds nothing when every mapping names another specimen (the result goes out as a local code)', () => {
    expect(resolveMapping({ GLU: [SERUM_GLU] }, subject('urine'))).toBeUndefined();
    expect(resolveMapping({ GLU: [SERUM_GLU] }, subject(undefined))).toBeUndefined();
    expect(resolveMapping({ GLU: SERUM_GLU }, subject('plasma'))).toBe(SERUM_GLU);
    expect(resolveMapping({ K: SERUM_GLU }, subject('serum'))).toBeUndefined();
    expect(resolveMapping(undefined, subject('serum'))).toBeUndefined();
  });
});

describe('codeMapProblems (check-config)', () => {
  it('accepts the shipped demo maps', async () => {
    const demo = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(new URL('../../../config/demo.json', import.meta.url), 'utf8'))) as {
      devices: Array<{ codeMap?: CodeMapConfig }>;
    };
    for (const d of demo.devices) expect(codeMapProblems(d.codeMap)).toEqual([]);
  });

  it('refuses two mappings that would both apply to one result', () => {
    expect(codeMapProblems({ GLU: [SERUM_GLU, { specimen: ['plasma'], loinc: '2345-7' }] })).toEqual([
      expect.objectContaining({ path: 'codeMap.GLU[1]', message: expect.stringMatching(/same results as mapping 0/) }),
    ]);
    expect(codeMapProblems({ GLU: [ANY_GLU, { loinc: '2345-7' }] })).toHaveLength(1);
    expect(codeMapProblems({ GLU: [SERUM_GLU, URINE_GLU, MODULE_GLU, ANY_GLU] })).toEqual([]);
  });

  it('refuses a known LOINC mapped for a specimen it is not for, and a wrong stated scale', () => {
    expect(codeMapProblems({ GLU: { specimen: ['urine'], loinc: '2345-7' } })).toEqual([
      { path: 'codeMap.GLU.specimen', message: expect.stringMatching(/2345-7 .* is not for specimen urine/) },
    ]);
    expect(codeMapProblems({ GLU: [{ specimen: ['UR'], loinc: '25428-4', scale: 'Qn' }] })).toEqual([
      { path: 'codeMap.GLU[0].scale', message: expect.stringMatching(/scale Ord, not Qn/) },
    ]);
  });

  it('collects the scales a map states for codes the gateway does not know', () => {
    expect([...declaredScales({ X: [{ loinc: '1234-5', scale: 'Ord' }], Y: { loinc: '2345-7' } })]).toEqual([['1234-5', 'Ord']]);
  });
});

describe('hostile codes', () => {
  it('never takes an inherited property for a mapping or a specimen', () => {
    expect(resolveMapping({ GLU: SERUM_GLU }, { code: 'constructor' })).toBeUndefined();
    expect(resolveMapping({ GLU: SERUM_GLU }, { code: '__proto__' })).toBeUndefined();
    expect(specimenType('constructor')).toEqual({ code: 'constructor' });
  });
});
