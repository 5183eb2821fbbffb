// Why "retry now" has nothing to do, in words the person who pressed it can act on (the 409 message).

import type { LinkState } from '../transports/types.ts';

export function deviceRetryRefusal(id: string, state: LinkState | undefined, transportType: string | undefined): string {
  if (transportType === 'mqtt') return `device "${id}" reads from the gateway's MQTT connection, which reconnects by itself`;
  switch (state) {
    case 'connected':
    case 'listening':
      return `the link of device "${id}" is up: nothing to retry`;
    case 'connecting':
      return `device "${id}" is connecting right now`;
    case 'stopped':
      return `device "${id}" is stopped (disabled, or its settings keep it from starting): nothing to retry`;
    default:
      return `device "${id}" is not waiting to retry`;
  }
}

export function destinationRetryRefusal(id: string, state: string | undefined): string {
  switch (state) {
    case 'sending':
      return `destination "${id}" is sending right now`;
    case 'idle':
      return `destination "${id}" has nothing waiting to be sent`;
    case 'stopped':
      return `destination "${id}" is stopped`;
    default:
      return `destination "${id}" is not waiting to retry`;
  }
}
