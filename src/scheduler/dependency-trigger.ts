import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { ComparatorBuilder, Etcd3, IKeyValue } from 'etcd3';
import { EtcdService } from '../etcd/etcd.service';
import { DependencyCause, MAX_CHAIN, matchesOn } from '../jobs/dependencies/dependency.model';
import { parseDependencyState, planParentEnd } from '../jobs/dependencies/fan-in';
import { RunStatus } from '../logs/run.model';
import { TriggerRequest } from '../workers/worker.model';
import { ChildLink, DependencyIndex } from './dependency-index';

/** The end of a parent's run, as the worker that ran it knows it. */
export interface ParentRunEnd {
  /** The parent's job id. */
  job: string;
  runId: string;
  status: RunStatus;
  endedAt: number;
  /** The run's running key and its create revision (deleted in the same transaction). */
  running: { key: string; revision: number };
  /** The run's own cause, when it was itself dependency-triggered. */
  cause?: DependencyCause;
}

/** Attempts of the end transaction (backoff up to 5 s: about ten minutes) before giving up. */
const END_ATTEMPTS = 128;

/**
 * Triggers a parent run's children in the transaction that ends the run in etcd (the delete
 * of its running key): for every child whose `after` matches the run's status, `deps/<child>`
 * counts the run and, once every parent of the child is pending, `trigger/<child>/<runId>`
 * (trigger `dependency`) is put. Each `deps/<child>` is compared on its mod revision, and
 * records the last parent run it counted, so the transaction is applied once even when the
 * etcd client sends it again after a lost answer. See docs/coordination.md, "Dependencies".
 */
@Injectable()
export class DependencyTrigger {
  private readonly logger = new Logger(DependencyTrigger.name);

  constructor(
    private readonly etcd: EtcdService,
    private readonly index: DependencyIndex,
  ) {}

  /** The children a run of `job` that ended with `status` starts, without a cycle. */
  childrenFor(end: Pick<ParentRunEnd, 'job' | 'runId' | 'status' | 'cause'>): ChildLink[] {
    const chain = chainOf(end);
    return this.index.childrenOf(end.job).filter((link) => {
      if (!link.enabled || !matchesOn(link.on, end.status)) return false;
      if (chain.includes(link.child) || chain.length >= MAX_CHAIN) {
        this.logger.error({
          msg: 'dependency cycle at run time: the child is not triggered',
          job: end.job,
          runId: end.runId,
          child: link.child,
          chain: [...chain, link.child].join(' → '),
        });
        return false;
      }
      return true;
    });
  }

  /**
   * Ends the run in etcd with its children's triggers; call only when childrenFor is not empty.
   * Resolves once the transaction committed (or was found committed); the running key is then
   * deleted too, unless it was no longer this run's (its lease ended): the triggers are written
   * all the same.
   */
  async end(end: ParentRunEnd, links: ChildLink[]): Promise<void> {
    let withRunning = true;
    for (let attempt = 0; ; attempt++) {
      try {
        const outcome = await this.tryEnd(end, links, withRunning);
        if (outcome === 'done') return;
        if (outcome === 'notOurs') withRunning = false;
      } catch (error) {
        if (attempt + 1 >= END_ATTEMPTS) {
          this.logger.error({
            msg: 'gave up writing the dependency triggers of a run',
            job: end.job,
            runId: end.runId,
            err: (error as Error).message,
          });
          return;
        }
        this.logger.warn({
          msg: 'could not end a run with its dependency triggers; retrying',
          job: end.job,
          runId: end.runId,
          attempt,
          err: (error as Error).message,
        });
        await sleep(Math.min(5000, 100 * 2 ** attempt));
      }
    }
  }

  /**
   * One read and one transaction: `done` when committed or found committed, `moved` when a
   * compared key changed in between (read again), `notOurs` when the running key is gone or
   * another run's (send again without it).
   */
  private async tryEnd(
    end: ParentRunEnd,
    links: ChildLink[],
    withRunning: boolean,
  ): Promise<'done' | 'moved' | 'notOurs'> {
    const { client, keys } = this.etcd;
    const read = await readKeys(client, [
      ...(withRunning ? [end.running.key] : []),
      ...links.flatMap((link) => [keys.deps(link.child), keys.specOfJob(link.child)]),
    ]);
    if (
      withRunning &&
      Number(read.get(end.running.key)?.create_revision ?? 0) !== end.running.revision
    )
      return 'notOurs';
    const chain = chainOf(end);
    const compares: [string, 'Mod' | 'Create', '==' | '>', number][] = [];
    const ops: Parameters<ComparatorBuilder['then']> = [];
    for (const link of links) {
      const depsKey = keys.deps(link.child);
      const specKey = keys.specOfJob(link.child);
      if (!read.get(specKey)) continue; // deleted since the index saw it
      const stored = read.get(depsKey);
      const state = parseDependencyState(stored?.value.toString());
      const plan = planParentEnd(state, end.job, end.runId, link.parents);
      if (plan.kind === 'counted') continue;
      compares.push([depsKey, 'Mod', '==', Number(stored?.mod_revision ?? 0)]);
      compares.push([specKey, 'Create', '>', 0]);
      ops.push(client.put(depsKey).value(JSON.stringify(plan.state)));
      if (plan.fire) {
        const request = childRequest(link.child, end, chain);
        const trigger = keys.trigger(link.child, request.runId);
        ops.push(client.put(trigger).value(JSON.stringify(request)));
      }
    }
    if (withRunning) {
      compares.push([end.running.key, 'Create', '==', end.running.revision]);
      ops.push(client.delete().key(end.running.key));
    }
    // Nothing left to count (an earlier attempt committed, or every child is gone), nor to release.
    if (compares.length === 0) return 'done';
    const [first, ...rest] = compares;
    const txn = client.if(...first);
    for (const compare of rest) txn.and(...compare);
    const response = await txn.then(...ops).commit();
    return response.succeeded ? 'done' : 'moved';
  }
}

/** The chain a child of this run carries: the run's own chain, then the run's job. */
function chainOf(end: Pick<ParentRunEnd, 'job' | 'cause'>): string[] {
  return [...(end.cause?.chain ?? []), end.job];
}

/**
 * The trigger of `child` after the parent run: its run id derives from the parent's
 * (`<child>@<ended at>!<first 10 hex of sha1(parent run id)>`), so it is the same in every
 * attempt of the transaction.
 */
export function childRequest(
  child: string,
  end: Pick<ParentRunEnd, 'job' | 'runId' | 'status' | 'endedAt'>,
  chain: string[],
): TriggerRequest {
  const digest = createHash('sha1').update(end.runId).digest('hex').slice(0, 10);
  return {
    runId: `${child}@${end.endedAt}!${digest}`,
    trigger: 'dependency',
    attempt: 1,
    notBefore: end.endedAt,
    tick: end.endedAt,
    reason: `after ${end.job} run ${end.runId} (${end.status})`,
    dependency: { job: end.job, runId: end.runId, chain },
  };
}

async function readKeys(client: Etcd3, keys: string[]): Promise<Map<string, IKeyValue>> {
  const read = new Map<string, IKeyValue>();
  const answers = await Promise.all(keys.map((key) => client.get(key).exec()));
  answers.forEach((answer, i) => {
    const kv = answer.kvs[0];
    if (kv) read.set(keys[i], kv);
  });
  return read;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
