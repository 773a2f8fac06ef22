/** Sends `signal` to the process group `pid` leads (commands are spawned detached). */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // A negative pid addresses the process group the shell leads.
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** SIGTERM to the group now, SIGKILL after `graceMs`; the returned timer is the SIGKILL. */
export function terminateGroup(pid: number, graceMs: number): NodeJS.Timeout {
  signalGroup(pid, 'SIGTERM');
  return setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
}
