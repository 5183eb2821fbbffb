// What every page view is: it draws into `root` and returns what to undo when the page changes.

import type { SessionView } from '../../api-types.ts';

export interface ViewContext {
  session: SessionView & { user: NonNullable<SessionView['user']> };
  /** Query of the hash route, e.g. #/messages?id=ABC. */
  params: URLSearchParams;
  /** Go to another page: navigate('messages', { id }). */
  navigate(page: string, params?: Record<string, string>): void;
}

export type View = (root: HTMLElement, ctx: ViewContext) => (() => void) | void;
