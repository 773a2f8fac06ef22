import type { Command } from 'commander';
import type { CommandContext } from '../command-context';

/** Placeholder: the jobs-as-code verbs (apply, export) are registered here. */
export function registerJobsAsCode(program: Command, ctx: CommandContext): void {
  void program;
  void ctx;
}
