import { describe, expect, it } from 'vitest';
import { fhirBundle } from '../../../src/uplink/fhir.ts';
import { readingMessage } from '../../../src/uplink/reading-json.ts';
import { resolveTopic, routingOf } from '../../../src/uplink/topic.ts';
import { bp, ctx, patient } from './fixtures.ts';

describe('resolveTopic', () => {
  it('fills {deviceId} and {kind} from a JSON reading message and from a FHIR bundle alike', () => {
    const json = readingMessage({ reading: bp, patient }, ctx);
    const fhir = fhirBundle({ reading: bp, patient }, ctx);
    for (const body of [json, fhir]) {
      expect(routingOf(body)).toEqual({ deviceId: 'bp-1', kind: 'bp' });
      expect(resolveTopic('clinic/{kind}/{deviceId}/reading', body)).toBe('clinic/bp/bp-1/reading');
    }
  });

  it('a template without placeholders is used as it is, whatever the body', () => {
    expect(resolveTopic('clinic/readings', 'not json')).toBe('clinic/readings');
  });

  it('a value never adds a level or a wildcard', () => {
    const body = JSON.stringify({ schema: 'medgate.reading/1', device: { id: 'a/b+#', kind: '' } });
    expect(resolveTopic('x/{deviceId}/{kind}', body)).toBe('x/a_b__/_');
  });

  it('throws when the body does not say what fills the placeholders', () => {
    expect(() => resolveTopic('x/{deviceId}', 'not json')).toThrow('names no device id and kind');
    expect(() => resolveTopic('x/{deviceId}', '{"resourceType":"Bundle","meta":{"tag":[]}}')).toThrow('names no device id and kind');
  });
});
