import {
  ConsecutiveBreaker,
  IDefaultPolicyContext,
  IPolicy,
  circuitBreaker,
  handleWhen,
  noop,
  retry,
} from 'cockatiel';
import { GRPCUnavailableError, IOptions, isRecoverableError } from 'etcd3';
import { isResourceExhausted } from './paged-range';

/**
 * How the etcd3 client handles failed calls (its `faultHandling` option), chosen so that one
 * kind of call failing can never stop the others, above all the session lease's keep-alives.
 *
 * The library's default puts one circuit breaker on each host that opens after 3 consecutive
 * "recoverable" errors of ANY call (deadline exceeded, resource exhausted, unavailable, ...)
 * and then refuses every call to that host for 5 s. One oversized listing retried three times
 * was enough to open it, and with it the keep-alives, the registration, the withdrawal and the
 * deregistration failed with "Execution prevented because the circuit breaker is open": a
 * problem of one read took the whole session down (issue 15). So:
 *
 * - **One host: no breaker.** A breaker exists to send calls to another host; with a single
 *   host it can only refuse calls the host would have answered (during the 5 s, and for all but
 *   one probe call in the half-open state after an outage), which is what loses leases.
 * - **Several hosts: a breaker that counts only `UNAVAILABLE`**, the one error that says the
 *   host itself cannot serve (down, unreachable, or without a raft leader). An error of one call
 *   (deadline, message too large, a failed compare) says nothing about the host and does not
 *   count. While a host's breaker is open the pool sends its calls to the other hosts.
 * - **Retries as the library's default (3 attempts of recoverable errors), except an answer too
 *   large for the client**: asking again gets the same answer. Paged reads (paged-range.ts) ask
 *   for a smaller page instead.
 *
 * Not configurable here, and worth knowing: the library closes a host's gRPC clients after any
 * recoverable error of a unary call; paged reads keep such errors rare.
 */
export function etcdFaultHandling(hostCount: number): NonNullable<IOptions['faultHandling']> {
  return {
    host: (): IPolicy<IDefaultPolicyContext> =>
      hostCount > 1
        ? circuitBreaker(handleWhen(isHostUnavailable), {
            halfOpenAfter: HALF_OPEN_AFTER_MS,
            breaker: new ConsecutiveBreaker(3),
          })
        : noop,
    global: retry(handleWhen(isRetryable), { maxAttempts: 3 }),
  };
}

/** How long a host whose breaker opened is skipped before one call probes it again. */
export const HALF_OPEN_AFTER_MS = 2000;

export function isHostUnavailable(error: Error): boolean {
  return error instanceof GRPCUnavailableError;
}

export function isRetryable(error: Error): boolean {
  return isRecoverableError(error) && !isResourceExhausted(error);
}
