import type { Command } from 'commander';
import type { CommandContext } from '../command-context';

/** Placeholder: `import crontab` is registered here. */
export function registerImport(program: Command, ctx: CommandContext): void {
  void program;
  void ctx;
}
