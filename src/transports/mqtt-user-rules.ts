// check-config rules for the embedded broker's users, pure: each user publishes only to topics it
// lists, and those must reach a configured MQTT device, or the broker refuses every publish.

import type { Config } from '../config/schema.ts';
import { filtersOverlap, topicFilterProblem } from '../model/mqtt-topics.ts';

export interface UserProblem {
  path: string;
  message: string;
}

function embeddedUsers(config: Config) {
  const mqtt = config.mqtt;
  return mqtt && 'embedded' in mqtt ? mqtt.embedded.users : [];
}

/** Errors: a `publish` entry that is not a topic filter a device could use. */
export function embeddedUserProblems(config: Config): UserProblem[] {
  return embeddedUsers(config).flatMap((user, i) =>
    (user.publish ?? []).flatMap((filter, k) => {
      const problem = filter.startsWith('$') ? "topics beginning with $ are the broker's own" : topicFilterProblem(filter);
      return problem === undefined ? [] : [{ path: `mqtt.embedded.users[${i}].publish[${k}]`, message: problem }];
    }),
  );
}

/** Warnings: a user that may publish nothing, or to topics no device listens on. */
export function embeddedUserWarnings(config: Config): UserProblem[] {
  const deviceTopics = [...new Set(config.devices.flatMap((d) => (d.transport.type === 'mqtt' ? [d.transport.topic] : [])))];
  const listed = deviceTopics.map((t) => JSON.stringify(t)).join(', ');
  const users = embeddedUsers(config);
  // The embedded broker also runs when `mqtt` is absent: MQTT devices with no user at all can send nothing.
  const embedded = config.mqtt === undefined || 'embedded' in config.mqtt;
  if (embedded && users.length === 0 && deviceTopics.length > 0) {
    return [
      {
        path: 'mqtt.embedded.users',
        message: `the embedded broker has no user, so no MQTT device can publish: add users with their "publish" topics (within ${listed})`,
      },
    ];
  }
  return users.flatMap((user, i) => {
    const at = `mqtt.embedded.users[${i}].publish`;
    if (!user.publish || user.publish.length === 0) {
      const what =
        deviceTopics.length > 0
          ? `add "publish": [...] with this user's own topics, within those the MQTT devices listen on (${listed}), e.g. [${JSON.stringify(deviceTopics[0])}] with its + levels narrowed to this user's device`
          : 'add "publish": [...] with the topics this user\'s devices publish on';
      return [{ path: at, message: `user "${user.username}" may publish nothing, so the broker refuses all it sends: ${what}` }];
    }
    if (deviceTopics.length === 0) return [];
    return user.publish.flatMap((filter, k) =>
      topicFilterProblem(filter) === undefined && !deviceTopics.some((t) => filtersOverlap(filter, t))
        ? [{ path: `${at}[${k}]`, message: `"${filter}" reaches no MQTT device's topic (${listed}): the broker refuses every publish there` }]
        : [],
    );
  });
}
