import type { Command } from 'commander';
import type { CliContext } from '../command-context';

export function registerLogs(program: Command, ctx: CliContext): void {
  void program;
  void ctx;
}
