// Every destination type, one line each: a new type is a folder here and a line in this table. The
// MLLP adapter (the EHR, in every installation) is always there; another type's module (and what it
// brings: the MQTT client, the FHIR builder) loads when a destination of that type is configured.

import type { DestinationConfig } from '../config/schema.ts';
import type { DestinationAdapter } from './adapter.ts';
import { mllpAdapter } from './mllp/index.ts';

export type DestinationType = DestinationConfig['type'];

type AdapterOf<T extends DestinationType> = DestinationAdapter<Extract<DestinationConfig, { type: T }>>;

/** Keyed by type, so the compiler refuses a Destination type without its adapter. */
export const adapterLoaders: { readonly [T in DestinationType]: () => Promise<AdapterOf<T>> } = {
  mllp: async () => mllpAdapter,
  mqtt: async () => (await import('./mqtt/index.ts')).mqttAdapter,
};

const loaded = new Map<DestinationType, DestinationAdapter<DestinationConfig>>([['mllp', mllpAdapter as unknown as DestinationAdapter<DestinationConfig>]]);

/** Loads the adapter of a type; a destination's adapter must be loaded before adapterOf is asked. */
export async function loadAdapter(type: DestinationType): Promise<void> {
  if (loaded.has(type)) return;
  // The mapped type above pairs each key with the adapter of that config type; TypeScript cannot
  // follow that correlation through an indexed access on a union, hence the cast.
  loaded.set(type, (await adapterLoaders[type]()) as unknown as DestinationAdapter<DestinationConfig>);
}

/** The adapter of a destination, typed for that destination's own config. */
export function adapterOf<C extends DestinationConfig>(dest: C): DestinationAdapter<C> {
  const adapter = loaded.get(dest.type);
  if (adapter === undefined) throw new Error(`the "${dest.type}" destination adapter was used before loadAdapter (bug)`);
  return adapter as unknown as DestinationAdapter<C>;
}
