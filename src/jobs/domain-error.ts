/** One problem with one input field, as the API reports it: `{field, reason}`. */
export interface FieldProblem {
  field: string;
  reason: string;
}

/**
 * What went wrong, in domain terms; the HTTP layer maps each kind to a status (400, 404, 409,
 * 412, 422) so services never speak HTTP.
 */
export type DomainErrorKind =
  | 'invalid'
  | 'notFound'
  | 'exists'
  | 'conflict'
  | 'stale'
  /**
   * Well-formed, but not allowed as it stands (422): a stored version that no longer passes the
   * rules, a target outside the namespace's worker pool.
   */
  | 'unprocessable';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    readonly details: FieldProblem[] = [],
  ) {
    super(message);
  }

  static invalid(details: FieldProblem[]): DomainError {
    const message = details.map((d) => `${d.field}: ${d.reason}`).join('; ') || 'invalid input';
    return new DomainError('invalid', message, details);
  }
}
