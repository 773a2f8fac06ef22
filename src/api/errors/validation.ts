import { ClassConstructor, plainToInstance } from 'class-transformer';
import { ValidationError, validate } from 'class-validator';
import { DomainError, FieldProblem } from '../../jobs/domain-error';

/** The options of the global ValidationPipe, shared by the compat routes' own validation. */
export const VALIDATION_OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
} as const;

/**
 * class-validator's errors as `{field, reason}` with dotted paths (`retries.max`). Its messages
 * start with the property name ("name must be ..."); the reason drops it, since `field` says it.
 */
export function fieldProblems(errors: ValidationError[], parent = ''): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const error of errors) {
    const field = parent === '' ? error.property : `${parent}.${error.property}`;
    for (const [constraint, message] of Object.entries(error.constraints ?? {})) {
      const reason =
        constraint === 'whitelistValidation'
          ? 'is not allowed (unknown field)'
          : message.startsWith(`${error.property} `)
            ? message.slice(error.property.length + 1)
            : message;
      problems.push({ field, reason });
    }
    problems.push(...fieldProblems(error.children ?? [], field));
  }
  return problems;
}

export function validationError(errors: ValidationError[]): DomainError {
  return DomainError.invalid(fieldProblems(errors));
}

/** Validates a plain object against a DTO class the way the global ValidationPipe does. */
export async function validateInput<T extends object>(
  type: ClassConstructor<T>,
  plain: unknown,
): Promise<T> {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    throw DomainError.invalid([{ field: 'body', reason: 'must be a JSON object' }]);
  }
  const instance = plainToInstance(type, plain);
  const errors = await validate(instance, VALIDATION_OPTIONS);
  if (errors.length > 0) throw validationError(errors);
  return instance;
}
