import { SetMetadata } from '@nestjs/common';
import { TokenRole } from './actor';

export const REQUIRED_ROLE = 'cronplane:requiredRole';

/** The least role a route needs. Routes without it need admin: nothing is open by omission. */
export const RequireRole = (role: TokenRole): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_ROLE, role);
