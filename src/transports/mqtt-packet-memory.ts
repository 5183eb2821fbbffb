// mqtt-packet (the MQTT codec under both mqtt.js and aedes, one shared copy) builds a table of 65,536
// two-byte Buffers the first time it writes a packet, unless told not to: 6 MB of a Pi's memory to
// save an allocation per packet. Imported by every module that creates an MQTT client or broker,
// before either can write, so no packet is ever written with the table on.

import mqttPacket from 'mqtt-packet';

mqttPacket.writeToStream.cacheNumbers = false;
