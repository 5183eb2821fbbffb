// A send that failed without an answer, by kind: what the destination adapters read (retryAfter)
// to tell a link that is down ('connect') from a transient failure. One type for every sender.

export type SendErrorKind = 'connect' | 'closed' | 'timeout' | 'protocol';

export class SendError extends Error {
  readonly kind: SendErrorKind;
  constructor(kind: SendErrorKind, message: string) {
    super(message);
    this.name = 'SendError';
    this.kind = kind;
  }
}
