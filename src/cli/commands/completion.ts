/** `cronplane completion bash|zsh`: prints a completion script for the shell. */
import type { Command } from 'commander';
import type { CliContext } from '../command-context';
import { CliError } from '../cli-error';
import { bashCompletion, CommandShape, zshCompletion } from '../completion';

const RESOURCE_WORDS: Record<string, string[]> = {
  get: ['jobs', 'runs', 'workers', 'alerts'],
  describe: ['job'],
  completion: ['bash', 'zsh'],
};

export function shapeOf(command: Command): CommandShape {
  return {
    name: command.name(),
    options: command.options.flatMap((o) =>
      [o.short, o.long].filter((f): f is string => Boolean(f)),
    ),
    subcommands: command.commands.filter((c) => c.name() !== 'help').map(shapeOf),
    words: RESOURCE_WORDS[command.name()],
  };
}

export function registerCompletion(program: Command, ctx: CliContext): void {
  program
    .command('completion')
    .description('Print a shell completion script: source <(cronplane completion bash)')
    .argument('<shell>', 'bash | zsh')
    .action((shell: string) => {
      const shape = shapeOf(program);
      if (shell === 'bash') ctx.write(bashCompletion(shape));
      else if (shell === 'zsh') ctx.write(zshCompletion(shape));
      else throw new CliError(`completion: unknown shell "${shell}" (expected bash or zsh)`);
    });
}
