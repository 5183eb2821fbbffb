// An uplink that receives both patient and QC results publishes both on its topic: without
// `{kind}` in it, medgate.qc/1 documents land among the readings a subscriber charts.

import type { Config } from './schema.ts';
import type { ConfigProblem } from './schema-problems.ts';
import { receivesPatients, receivesQc } from '../destinations/receives.ts';

export function qcTopicWarnings(config: Pick<Config, 'destinations'>): ConfigProblem[] {
  return config.destinations.flatMap((d, i) =>
    d.type === 'mqtt' && receivesQc(d) && receivesPatients(d) && !d.topic.includes('{kind}')
      ? [
          {
            path: `destinations[${i}].topic`,
            message: `"${d.topic}" has no {kind}: QC results would be published on the same topic as patient readings, where a subscriber may chart them; put {kind} in the topic (e.g. "clinic/{kind}/{deviceId}"), or use one destination for each`,
          },
        ]
      : [],
  );
}
