/** Waiting for and stopping the stack's processes by pid. */

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function stopPid(pid: number, graceMs = 10000): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  try {
    await waitUntil(() => !isAlive(pid), graceMs, `pid ${pid} to exit`);
  } catch {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    await waitUntil(() => !isAlive(pid), 5000, `pid ${pid} to die`);
  }
}
