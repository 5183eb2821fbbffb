// What each embedded-broker client may do, pure: devices publish only inside their own `publish`
// filters and only where a configured device listens; nobody but the gateway's own client
// subscribes; `$SYS` and retained messages are closed to everyone.

import { topicMatches } from '../model/mqtt-topics.ts';

export interface PublishRequest {
  /** The user's `publish` filters; absent: may publish nothing. */
  allowed: readonly string[] | undefined;
  topic: string;
  retain: boolean;
  /** Whether some configured device takes this topic. */
  deviceListens: boolean;
}

/** Why a publish is refused, or undefined when it may go on. */
export function publishRefusal(req: PublishRequest): string | undefined {
  // Broker status topics are the broker's own (MQTT 3.1.1 section 4.7.2).
  if (req.topic.startsWith('$')) return 'topics beginning with $ are reserved';
  // A retained message would be held by the broker until it restarts, on a device's word.
  if (req.retain) return 'retained messages are not accepted';
  if (!req.allowed || req.allowed.length === 0) return 'this user has no "publish" topics';
  if (!req.allowed.some((filter) => topicMatches(filter, req.topic))) return 'outside this user\'s "publish" topics';
  if (!req.deviceListens) return 'no configured device listens on this topic';
  return undefined;
}

/** Only the gateway's own client subscribes, and never to `$SYS`; devices only publish. */
export function subscribeAllowed(internal: boolean, filter: string): boolean {
  return internal && !filter.startsWith('$');
}
