// A request that is malformed beyond its schema (400), asks for what the signed-in role may not do
// (403: what the route's access level cannot tell, such as the QC review role), names something
// missing (404) or asks for what its state does not allow (409). The web layer answers with the
// status and this message; nothing else is leaked.

export class RequestError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}
