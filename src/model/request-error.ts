// A request that names something missing (404) or asks for what its state does not allow (409).
// The web layer answers with the status and this message; nothing else is leaked.

export class RequestError extends Error {
  constructor(
    readonly status: 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}
