/** `cronplane run|kill|pause|resume|delete JOB`: one API call each. */
import type { Command } from 'commander';
import type { CliContext } from '../command-context';
import { ApiError } from '../api-client';
import { CliError } from '../cli-error';
import { labelsText } from '../output';
import { getJob, jobPath, listWorkers } from '../resources';
import { ownersOf } from './describe';
import { revokeTokens } from './tokens';

export function registerJobActions(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .description('Trigger a run of a job now (also when paused); prints the run id')
    .argument('<job>', 'job name')
    .option('-f, --follow', 'then follow its output until it ends, and exit with its exit code')
    .action(async (job: string, opts: { follow?: boolean }) => {
      const client = ctx.client();
      const { body } = await client.request<{ runId: string }>('POST', jobPath(job, '/run'));
      // A run nobody can take waits, silently, until a matching worker registers: say so now.
      const [detail, workers] = await Promise.all([getJob(client, job), listWorkers(client)]);
      if (ownersOf(detail, workers).length === 0) {
        const labels = labelsText(detail.target?.labels);
        ctx.err(
          `warning: no live worker matches the job's target (${labels}); the run starts when one registers`,
        );
      }
      if (!opts.follow) {
        ctx.out(body.runId);
        return;
      }
      ctx.err(`run ${body.runId} triggered`);
      const { followRun } = await import('./logs');
      process.exitCode = await followRun(ctx, body.runId);
    });

  program
    .command('kill')
    .description('Kill the running runs of a job, or one run with --run')
    .argument('[job]', 'job name')
    .option('--run <runId>', 'kill only this run')
    .action(async (job: string | undefined, opts: { run?: string }) => {
      const client = ctx.client();
      if (opts.run) {
        await client.request('POST', `/api/v1/runs/${encodeURIComponent(opts.run)}/kill`);
        ctx.out(`run ${opts.run} kill requested`);
        return;
      }
      if (!job) throw new CliError('kill: name a job, or a run with --run RUN_ID');
      const { body } = await client.request<{ runIds: string[] }>('POST', jobPath(job, '/kill'));
      const ids = body.runIds ?? [];
      ctx.out(
        ids.length
          ? `job ${job}: kill requested for ${ids.join(', ')}`
          : `job ${job}: no run is running`,
      );
    });

  for (const [verb, past] of [
    ['pause', 'paused'],
    ['resume', 'resumed'],
  ] as const) {
    program
      .command(verb)
      .description(
        verb === 'pause'
          ? 'Stop scheduling a job (manual runs still work)'
          : 'Schedule a paused job again',
      )
      .argument('<job...>', 'job names')
      .action(async (jobs: string[]) => {
        for (const job of jobs) {
          await ctx.client().request('POST', jobPath(job, `/${verb}`));
          ctx.out(`job ${job} ${past}`);
        }
      });
  }

  program
    .command('delete')
    .description('Delete jobs (asks first unless --yes), or revoke tokens: `delete token ID`')
    .argument('<job...>', 'job names (a leading "job" is allowed: `delete job NAME`)')
    .option('-y, --yes', 'do not ask for confirmation')
    .option(
      '--override <reason>',
      'delete jobs managed by files anyway (sent as X-Cronplane-Override, kept in the audit log)',
    )
    .action(async (names: string[], opts: { yes?: boolean; override?: string }) => {
      if (names[0] === 'token' || names[0] === 'tokens') return revokeTokens(ctx, names.slice(1));
      const jobs = names[0] === 'job' || names[0] === 'jobs' ? names.slice(1) : names;
      if (jobs.length === 0) throw new CliError('delete: name at least one job');
      const client = ctx.client();
      if (!opts.yes) {
        const question = `Delete ${jobs.length === 1 ? `job ${jobs[0]}` : `${jobs.length} jobs (${jobs.join(', ')})`}?`;
        if (!(await ctx.confirm(question)))
          throw new CliError('delete: not confirmed, nothing deleted');
      }
      const headers = opts.override ? { 'X-Cronplane-Override': opts.override } : undefined;
      for (const job of jobs) {
        try {
          await client.request('DELETE', jobPath(job), { headers });
        } catch (error) {
          if (error instanceof ApiError && error.status === 409 && !opts.override)
            throw new CliError(
              `delete: ${error.message}; change it in its files, or pass --override <reason>`,
            );
          throw error;
        }
        ctx.out(`job ${job} deleted`);
      }
    });
}
