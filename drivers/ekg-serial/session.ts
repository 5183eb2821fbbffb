// The serial EKG session: lines -> report blocks -> reports. A link drop mid-block discards the
// partial block (the cart prints the whole summary again on request; half a report is never sent).

import type { DeviceLink, DriverSession } from '../../src/model/driver.ts';
import { createLineSession, type LineHandlerContext } from '../_shared/line-session.ts';
import { EkgBlockAssembler, type BlockEvent } from './decode.ts';

const MAX_LINE_LENGTH = 512;

export function openEkgSerialSession(link: DeviceLink): DriverSession {
  const assembler = new EkgBlockAssembler();

  function emit(events: BlockEvent[], { events: out, link: l }: LineHandlerContext): void {
    for (const e of events) {
      if (e.kind === 'report') void out.report(e.report);
      else if (e.kind === 'error') out.protocolError(e, e.bytes);
      else l.log.debug(e.text);
    }
  }

  return createLineSession(link, {
    maxLineLength: MAX_LINE_LENGTH,
    onLine: (line, ctx) => emit(assembler.push(line), ctx),
    onLinkDown: (ctx) => emit(assembler.discard('link dropped in the middle of a report block: discarded'), ctx),
  });
}
