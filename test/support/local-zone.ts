// What a time without an offset becomes when the gateway reads it (src/hl7/datetime.ts): the same
// wall-clock time with this machine's offset at that moment, so expectations hold in any zone.

export function inLocalZone(wall: string): string {
  // ECMAScript reads a date-time without an offset as local time.
  const minutes = -new Date(wall).getTimezoneOffset();
  const abs = Math.abs(minutes);
  return `${wall}${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
