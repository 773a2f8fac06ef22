import { randomBytes } from 'node:crypto';

const boot = randomBytes(3).toString('hex');
let count = 0;

/**
 * An id unique among this process's claim attempts (with the worker id, among all of them):
 * written into the mark or running key a claim creates, so a claim that reads back what it may
 * have written (a retried transaction) recognises its own attempt and never another one.
 */
export function nextClaimId(): string {
  count += 1;
  return `${boot}.${count.toString(36)}`;
}
