// An event goes to every open page as the same text, serialised once however many pages listen.

import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GatewayEvent } from '../../../src/web/api-types.ts';
import { formatEvent } from '../../../src/web/routes/events.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('formatEvent', () => {
  it('serialises an event once for all its streams, and each new event anew', () => {
    const stringify = vi.spyOn(JSON, 'stringify');
    const event: GatewayEvent = { type: 'config', what: 'destination', id: 'ehr', change: 'updated' };
    const texts = Array.from({ length: 5 }, () => formatEvent(event));
    expect(new Set(texts)).toEqual(new Set([`event: config\ndata: ${JSON.stringify(event)}\n\n`]));
    stringify.mockClear();
    formatEvent(event);
    expect(stringify).not.toHaveBeenCalled();
    formatEvent({ ...event });
    expect(stringify).toHaveBeenCalledTimes(1);
  });
});
