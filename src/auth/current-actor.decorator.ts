import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import { Actor } from './actor';
import { AuthRequest } from './auth-request';

/** The authenticated caller, set by AuthGuard. */
export const CurrentActor = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Actor => {
    const actor = context.switchToHttp().getRequest<AuthRequest>().actor;
    if (!actor) throw new Error('CurrentActor used on a route AuthGuard did not authenticate');
    return actor;
  },
);
