// Every driver the gateway knows, one line each: a device protocol is added by its folder
// (drivers/<id>/index.ts exporting `driver`) and its line here. The export name is not used.
export { driver as accutorr } from './accutorr/index.ts';
export { driver as adScale } from './ad-scale/index.ts';
export { driver as astmLis2 } from './astm-lis2/index.ts';
export { driver as ekgAecg } from './ekg-aecg/index.ts';
export { driver as ekgSerial } from './ekg-serial/index.ts';
export { driver as genericLine } from './generic-line/index.ts';
export { driver as hl7Analyzer } from './hl7-analyzer/index.ts';
export { driver as mqttJson } from './mqtt-json/index.ts';
export { driver as tanita } from './tanita/index.ts';
