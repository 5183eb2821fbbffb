// A device link in words, without the DOM: its state for a badge, how long an outage has lasted,
// whether the device is a problem (shown first) and whether "Retry now" can help.

import type { DeviceView } from '../../api-types.ts';
import { durationWords } from './status-words.ts';

type Link = DeviceView['link'];

/** An enabled device whose link failed and is not up again: a problem for a person, shown first. */
export function linkDown(d: Pick<DeviceView, 'enabled' | 'link'>): boolean {
  return d.enabled && (d.link.downSince !== undefined || d.link.state === 'retrying');
}

/** Whether "Retry now" can cut the link's wait short (an MQTT device follows the shared broker connection). */
export function canRetryNow(d: Pick<DeviceView, 'enabled' | 'link' | 'transport'>): boolean {
  return d.enabled && d.link.state === 'retrying' && d.transport.type !== 'mqtt';
}

/** "Not connected for 3 min", counted from the outage's first failure (not its latest retry); undefined while up. */
export function outageWords(link: Link, now: number): string | undefined {
  return link.downSince ? `Not connected for ${durationWords(now - Date.parse(link.downSince))}` : undefined;
}

/** Link state in words and its badge class: up, retry or down. */
export function linkWords(link: Link, enabled = true): { text: string; cls: 'up' | 'retry' | 'down' } {
  if (!enabled) return { text: 'Disabled', cls: 'down' };
  // Between two retries the link is "connecting" for a moment: still the same outage.
  if (link.downSince) return { text: 'Not connected', cls: 'down' };
  switch (link.state) {
    case 'connected':
      return { text: 'Connected', cls: 'up' };
    case 'listening':
      return { text: 'Listening', cls: 'up' };
    case 'connecting':
      return { text: 'Connecting', cls: 'retry' };
    case 'retrying':
      return { text: 'Retrying', cls: 'retry' };
    case 'stopped':
      return { text: 'Stopped', cls: 'down' };
  }
}

/** An error as a person reads it: without the "Error: " a thrown error's text starts with ("Last error: Error: ..."). */
export function errorWords(text: string): string {
  return text.replace(/^(?:[A-Za-z]*Error:\s*)+/, '');
}

/** The link's failed attempts to connect since the gateway started (it counts every retry, not every connection). */
export function failedAttemptsWords(n: number): string {
  return `${n} failed attempt${n === 1 ? '' : 's'} to connect`;
}
