// An uplink: each reading published at QoS 1 to an MQTT broker, delivered on the PUBACK.

import type { MqttDestinationConfig } from '../../config/schema.ts';
import { redactUrl } from '../../config/secrets.ts';
import type { DestinationAdapter } from '../adapter.ts';
import { encodeMqtt, encodeMqttQc } from './encode.ts';
import { openMqtt } from './sender.ts';

export const mqttAdapter: DestinationAdapter<MqttDestinationConfig> = {
  type: 'mqtt',
  encode: encodeMqtt,
  encodeQc: encodeMqttQc,
  open: openMqtt,
  address: (c) => `${redactUrl(c.url)} ${c.topic}`,
  deliveredLog: 'published to uplink',
};
