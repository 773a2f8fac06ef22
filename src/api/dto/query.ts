import { Transform, TransformFnParams } from 'class-transformer';

/** Query strings are text: numbers come in as digits; anything else stays a string and fails. */
export function ToNumber(): PropertyDecorator {
  return Transform(({ value }: TransformFnParams) =>
    typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value,
  );
}

export function ToBoolean(): PropertyDecorator {
  return Transform(({ value }: TransformFnParams) =>
    value === 'true' ? true : value === 'false' ? false : value,
  );
}

/** `a,b` or a repeated parameter, as a list. */
export function ToList(): PropertyDecorator {
  return Transform(({ value }: TransformFnParams) => {
    const parts = Array.isArray(value) ? value : [value];
    return parts.flatMap((part) =>
      typeof part === 'string' ? part.split(',').filter((p) => p !== '') : [part],
    );
  });
}

/** An ISO time or epoch milliseconds, as a Date; anything else stays as given and fails. */
export function ToDate(): PropertyDecorator {
  return Transform(({ value }: TransformFnParams) => {
    if (typeof value !== 'string') return value;
    const time = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
    return Number.isNaN(time) ? value : new Date(time);
  });
}

/** Opaque pagination cursors: base64url of JSON. */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
