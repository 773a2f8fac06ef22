import { rmSync } from 'node:fs';
import { stopStack } from '../../tools/stack/stack';

export default async function globalTeardown(): Promise<void> {
  const started = globalThis.__CRONPLANE_STACK__;
  if (!started) return;
  await stopStack(started.stack);
  rmSync(started.dir, { recursive: true, force: true });
}
