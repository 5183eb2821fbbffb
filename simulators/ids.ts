// Which drivers have a simulator: a list of its own so the gateway can say so without loading the
// simulators (they load only in demo mode). index.ts keys its factories by this list.

export const SIMULATOR_IDS = ['ad-scale', 'tanita', 'accutorr', 'generic-line', 'astm-lis2', 'hl7-analyzer', 'mqtt-json', 'ekg-aecg', 'ekg-serial'] as const;

export type SimulatorId = (typeof SIMULATOR_IDS)[number];

export const simulatorIds: readonly string[] = SIMULATOR_IDS;
