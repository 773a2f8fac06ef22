import { STATUS_CODES } from 'node:http';
import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import { EtcdError, GRPCGenericError } from 'etcd3';
import { isCompatPath } from '../../auth/auth.guard';
import { DomainError, DomainErrorKind, FieldProblem } from '../../jobs/domain-error';

interface HttpResponseLike {
  headersSent?: boolean;
  status(code: number): HttpResponseLike;
  setHeader(name: string, value: string): void;
  json(body: unknown): void;
}

interface HttpRequestLike {
  path: string;
  method: string;
}

interface Problem {
  status: number;
  message: string;
  details: FieldProblem[];
}

const KIND_STATUS: Record<DomainErrorKind, number> = {
  invalid: HttpStatus.BAD_REQUEST,
  notFound: HttpStatus.NOT_FOUND,
  exists: HttpStatus.CONFLICT,
  conflict: HttpStatus.CONFLICT,
  stale: HttpStatus.PRECONDITION_FAILED,
  unprocessable: HttpStatus.UNPROCESSABLE_ENTITY,
};

function httpMessage(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}

/** etcd3 stops calling an unreachable etcd for a while (cockatiel's circuit breaker). */
function isEtcdCircuitOpen(error: unknown): error is Error {
  return error instanceof Error && error.constructor.name === 'BrokenCircuitError';
}

function isMongoError(error: Error): boolean {
  return /^Mongo|^Mongoose/.test(error.name) || error.constructor.name.startsWith('Mongo');
}

/**
 * Every error of the API in one shape: `{statusCode, error, message, details}` under /api/v1
 * (and unknown routes); the original crontab's `{errno: -1, msg, data: null}` on its routes.
 * Other routes (the health probes) keep their own bodies.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<HttpRequestLike>();
    const response = http.getResponse<HttpResponseLike>();
    if (response.headersSent) return;
    if (
      exception instanceof HttpException &&
      !request.path.startsWith('/api/') &&
      !isCompatPath(request.path) &&
      exception.getStatus() !== HttpStatus.NOT_FOUND
    ) {
      // Terminus answers 503 with the failing dependency in its body: keep that body.
      const body = exception.getResponse();
      response
        .status(exception.getStatus())
        .json(
          typeof body === 'string' ? { statusCode: exception.getStatus(), message: body } : body,
        );
      return;
    }
    const problem = this.problemOf(exception, request);
    if (problem.status === HttpStatus.UNAUTHORIZED)
      response.setHeader('WWW-Authenticate', 'Bearer');
    if (isCompatPath(request.path)) {
      // The original API always answered 200; auth failures are new and keep their status.
      const auth =
        problem.status === HttpStatus.UNAUTHORIZED ||
        problem.status === HttpStatus.FORBIDDEN ||
        problem.status === HttpStatus.TOO_MANY_REQUESTS;
      response
        .status(auth ? problem.status : HttpStatus.OK)
        .json({ errno: -1, msg: problem.message, data: null });
      return;
    }
    response.status(problem.status).json({
      statusCode: problem.status,
      error: STATUS_CODES[problem.status] ?? 'Error',
      message: problem.message,
      details: problem.details,
    });
  }

  private problemOf(exception: unknown, request: HttpRequestLike): Problem {
    if (exception instanceof DomainError) {
      return {
        status: KIND_STATUS[exception.kind],
        message: exception.message,
        details: exception.details,
      };
    }
    if (exception instanceof HttpException) {
      return { status: exception.getStatus(), message: httpMessage(exception), details: [] };
    }
    // gRPC errors (unavailable, deadline) are not EtcdErrors in etcd3; with one etcd host there
    // is no circuit breaker to turn them into BrokenCircuitError first (src/etcd/fault-handling.ts).
    if (
      exception instanceof EtcdError ||
      exception instanceof GRPCGenericError ||
      isEtcdCircuitOpen(exception)
    ) {
      this.logger.error({
        msg: 'etcd request failed',
        method: request.method,
        path: request.path,
        err: exception,
      });
      return {
        status: HttpStatus.SERVICE_UNAVAILABLE,
        message: 'etcd is unavailable; try again shortly',
        details: [],
      };
    }
    if (exception instanceof Error && isMongoError(exception)) {
      this.logger.error({
        msg: 'MongoDB request failed',
        method: request.method,
        path: request.path,
        err: exception,
      });
      return {
        status: HttpStatus.SERVICE_UNAVAILABLE,
        message: 'MongoDB is unavailable; try again shortly',
        details: [],
      };
    }
    this.logger.error({
      msg: 'unhandled error',
      method: request.method,
      path: request.path,
      err: exception as Error,
    });
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, message: 'internal error', details: [] };
  }
}
