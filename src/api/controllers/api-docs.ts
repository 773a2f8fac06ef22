import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiServiceUnavailableResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ErrorView } from '../dto/misc.dto';

/** The answers every v1 route can give besides its own: bad input, auth, dependencies away. */
export function ApiCommonResponses(): ClassDecorator {
  return applyDecorators(
    ApiBadRequestResponse({
      type: ErrorView,
      description: 'Invalid input; `details` names each field.',
    }),
    ApiUnauthorizedResponse({ type: ErrorView, description: 'Missing, unknown or revoked token.' }),
    ApiForbiddenResponse({ type: ErrorView, description: "The token's role may not do this." }),
    ApiServiceUnavailableResponse({
      type: ErrorView,
      description: 'etcd or MongoDB is unreachable.',
    }),
  );
}
