// Every destination type, one line each: a new type is a folder here and a line in this table.

import type { DestinationConfig } from '../config/schema.ts';
import type { DestinationAdapter } from './adapter.ts';
import { mllpAdapter } from './mllp/index.ts';
import { mqttAdapter } from './mqtt/index.ts';

export type DestinationType = DestinationConfig['type'];

/** Keyed by type, so the compiler refuses a Destination type without its adapter. */
export const adapters: { readonly [T in DestinationType]: DestinationAdapter<Extract<DestinationConfig, { type: T }>> } = {
  mllp: mllpAdapter,
  mqtt: mqttAdapter,
};

/** The adapter of a destination, typed for that destination's own config. */
export function adapterOf<C extends DestinationConfig>(dest: C): DestinationAdapter<C> {
  // The mapped type above pairs each key with the adapter of that config type; TypeScript cannot
  // follow that correlation through an indexed access on a union, hence the one cast.
  return adapters[dest.type] as unknown as DestinationAdapter<C>;
}
