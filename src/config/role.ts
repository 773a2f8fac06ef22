export const ROLES = ['master', 'worker', 'all'] as const;
export type Role = (typeof ROLES)[number];

export function runsMaster(role: Role): boolean {
  return role === 'master' || role === 'all';
}

export function runsWorker(role: Role): boolean {
  return role === 'worker' || role === 'all';
}
