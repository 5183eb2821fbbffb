// The A&D session shell: lines -> decode -> stable-weight filter -> reports.

import type { DeviceLink, DriverSession } from '../../src/model/driver.ts';
import { createLineSession, type LineHandlerContext } from '../_shared/line-session.ts';
import { decodeWithResync } from '../_shared/resync.ts';
import { decodeAdLine } from './decode.ts';
import { RepeatFilter, type RepeatFilterOptions } from './repeat-filter.ts';

const WEIGHT_UNITS = new Set(['kg', 'lb', 'g', 't']);

export function openAdScaleSession(link: DeviceLink, options: RepeatFilterOptions): DriverSession {
  const filter = new RepeatFilter(options);
  let unstableCount = 0;

  function onLine(line: string, { events, link: l }: LineHandlerContext): void {
    const { result, discarded } = decodeWithResync(line, decodeAdLine);
    if (discarded !== undefined) events.protocolError('incomplete line fragment discarded', discarded);
    if (!result.ok) {
      events.protocolError(result, line);
      return;
    }
    const rec = result.value;
    if (rec.status === 'overload') {
      filter.reset();
      events.protocolError('scale overload or out of range: weight ignored', line);
      return;
    }
    if (rec.status === 'count') {
      l.log.debug('A&D count (QT) line ignored');
      return;
    }
    if (rec.data === 'tare' || rec.data === 'preset-tare') {
      l.log.debug(`A&D ${rec.data} line ignored`);
      return;
    }
    const value = rec.value ?? 0;
    if (rec.status === 'unstable') {
      unstableCount++;
      filter.unstable(value);
      // Once per settling, not once per line: a streaming scale sends several a second.
      if (unstableCount === 1) l.log.info('scale settling: unstable weights are not forwarded');
      else l.log.debug({ unstableCount }, 'unstable weight ignored');
      return;
    }
    if (!WEIGHT_UNITS.has(rec.unit)) {
      events.protocolError(rec.unit === '' ? 'weight without unit ignored' : `unit "${rec.unit}" is not a weight unit`, line);
      return;
    }
    const verdict = filter.stable(value, rec.unit);
    if (verdict !== 'emit') {
      l.log.debug(`stable weight not a new reading (${verdict})`);
      return;
    }
    if (unstableCount > 0) l.log.info({ unstableLines: unstableCount }, 'stable weight after settling');
    unstableCount = 0;
    void events.report({
      measurements: [{ type: 'weight', value, unit: rec.unit, valueText: rec.valueText }],
      raw: line.slice(discarded?.length ?? 0),
    });
  }

  return createLineSession(link, {
    onLine,
    // After a gap we cannot know the platform emptied; a duplicate beats a lost weighing.
    onLinkDown: () => filter.reset(),
  });
}
