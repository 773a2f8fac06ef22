import type { Command } from 'commander';
import type { CliContext } from '../command-context';

export function registerJobActions(program: Command, ctx: CliContext): void {
  void program;
  void ctx;
}
