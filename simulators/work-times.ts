// When a simulated analyzer ran work the host gave it (query answer or download): never before it had
// the work. It cannot know when the tube was drawn, so collection is the moment it got the work: no
// later than that, and never before the order the work came from (which would make a fresh result
// look old next to its order).

export interface WorkTimes {
  collected: Date;
  /** The specimen arrived at the analyzer (ASTM O-14). */
  received: Date;
  started: Date;
  /** Analysis done: ASTM R-13, HL7 OBX-14 (as the simulator sends it). */
  completed: Date;
}

/** A run a minute or two long, ending a minute before `now` when the work came early enough. */
export function workTimes(givenAt: Date | undefined, now: Date): WorkTimes {
  const t = now.getTime();
  const given = givenAt === undefined || givenAt.getTime() > t ? t : givenAt.getTime();
  const started = Math.max(given, t - 120_000);
  const completed = Math.max(started, t - 60_000);
  return { collected: new Date(given), received: new Date(given), started: new Date(started), completed: new Date(completed) };
}
