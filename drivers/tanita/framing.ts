// How Tanita records arrive on the wire.

// The scale sends a stray signal ~0.1 s after each record; leading NULs, control chars and spaces
// are that (or line noise), never data.
export const LEADING_NOISE = /^[\x00-\x20\x7f]+/;

/** An SC-240 record with every field is ~250 bytes; room for larger models. */
export const MAX_RECORD_LENGTH = 1024;
