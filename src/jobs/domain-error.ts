/** One problem with one input field, as the API reports it: `{field, reason}`. */
export interface FieldProblem {
  field: string;
  reason: string;
}

/**
 * What went wrong, in domain terms; the HTTP layer maps each kind to a status (400, 404, 409,
 * 412) so services never speak HTTP.
 */
/** `refused`: well-formed, but not allowed where it is (a target outside the namespace's pool). */
export type DomainErrorKind = 'invalid' | 'notFound' | 'exists' | 'conflict' | 'stale' | 'refused';

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
