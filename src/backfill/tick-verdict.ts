import { RunStatus } from '../logs/run.model';

/**
 * What a backfill does with one tick (docs/coordination.md, "Backfills"):
 * - `wait`: not decided yet (the job's mark has not passed it), or decided without a record too
 *   recently to be sure no claim of it is still on its way to the run log;
 * - `trigger`: it did not run (recorded missed or skipped, or never claimable): write its trigger;
 * - `ours`: this backfill's trigger for it exists already (a previous leader wrote it);
 * - `alreadyRan`: it ran, runs, or is being handled by someone else: leave it.
 */
export type TickVerdict = 'wait' | 'trigger' | 'ours' | 'alreadyRan';

export interface TickFacts {
  tick: number;
  /** The job's mark (`state/<job>`), if any. */
  mark?: { lastTick: number; skipped: boolean };
  /** The job's createdAt (epoch ms): no claim of this job can be older. */
  jobCreatedAt: number;
  /** Status of the run record `<job>@<tick>`, if one exists. */
  recorded?: RunStatus;
  /** The backfill id in `backfilled/<runId>`, if any. */
  guard?: string;
  /** A trigger, hand-back, lost-claim audit or running key of the run id exists. */
  busy: boolean;
  /** When the mark was first seen at or past the tick, if it was. */
  decidedSeenAt?: number;
  now: number;
  settleMs: number;
  backfillId: string;
}

const NOT_RUN: readonly RunStatus[] = ['missed', 'skipped'];

export function tickVerdict(facts: TickFacts): TickVerdict {
  if (facts.guard !== undefined) return facts.guard === facts.backfillId ? 'ours' : 'alreadyRan';
  if (facts.busy) return 'alreadyRan';
  if (facts.recorded !== undefined)
    return NOT_RUN.includes(facts.recorded) ? 'trigger' : 'alreadyRan';
  const { mark, tick } = facts;
  if (mark && mark.lastTick === tick && !mark.skipped) return 'alreadyRan';
  if (tick < facts.jobCreatedAt) return 'trigger';
  if (!mark || mark.lastTick < tick) return 'wait';
  // Decided, no record: a claim of it (if any) came before the sighting; its record (or the
  // `lost` record of a dead claimer) reaches the run log within the settle time.
  if (facts.decidedSeenAt === undefined) return 'wait';
  return facts.now - facts.decidedSeenAt >= facts.settleMs ? 'trigger' : 'wait';
}

/** When the mark was first seen at or past `tick`, from the sightings (oldest first). */
export function decidedSeenAt(
  sightings: readonly { upTo: number; at: number }[],
  tick: number,
): number | undefined {
  return sightings.find((sighting) => sighting.upTo >= tick)?.at;
}

/** Adds a sighting when the mark has moved past the last one; drops those below `floor`. */
export function withSighting(
  sightings: readonly { upTo: number; at: number }[],
  markTick: number | undefined,
  now: number,
  floor: number,
): { upTo: number; at: number }[] {
  const kept = sightings.filter(
    (sighting, i) => sighting.upTo >= floor || i === sightings.length - 1,
  );
  const last = kept[kept.length - 1];
  if (markTick === undefined || (last && last.upTo >= markTick)) return kept;
  return [...kept, { upTo: markTick, at: now }];
}
