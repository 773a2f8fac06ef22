import { Dispatcher, request } from 'undici';
import {
  Execution,
  ExecutionRequest,
  ExecutionResult,
  HttpRequestPlan,
  ProcessStart,
  StopReason,
} from '../executor';
import { StopRequest } from '../execution-result';
import { OutputBuffer } from '../output-buffer';
import { SecretMasker } from '../../secrets/secret-masker';
import { parseExpectStatus, statusExpected } from './expect-status';
import { formatBodyCut, formatRedirect, formatResponseHead, unexpectedStatus } from './http-output';
import { RefusedAddressError } from './guarded-connector';

/** Holds starts while the worker cannot vouch for its session (Executor.gateStarts). */
export interface StartGate {
  admit(start: () => void): () => void;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * One HTTP job run: waits for its tick (notBefore) and the start gate, sends the request (and
 * follows redirects up to the job's count), and keeps the status line, headers and the body up
 * to maxResponseBytes as output. A timeout or kill aborts the request at once: there is no
 * process, so no grace period. Exit code 0: the status was expected; 1: it was not.
 */
export class HttpRun implements Execution {
  readonly started: Promise<ProcessStart | undefined>;
  readonly done: Promise<ExecutionResult>;
  private resolveStarted: (start: ProcessStart | undefined) => void = () => undefined;
  private resolveDone: (result: ExecutionResult) => void = () => undefined;
  private readonly output: OutputBuffer;
  private readonly masker: SecretMasker;
  private readonly abort = new AbortController();
  private stopped?: StopRequest;
  private running = false;
  private settled = false;
  private bodyCut = false;
  private waitTimer?: NodeJS.Timeout;
  private timeoutTimer?: NodeJS.Timeout;
  private leaveGate?: () => void;

  constructor(
    private readonly request: ExecutionRequest & { http: HttpRequestPlan },
    private readonly dispatcher: Dispatcher,
    private readonly gate: StartGate,
  ) {
    this.output = new OutputBuffer(request.outputCapBytes);
    this.masker = new SecretMasker(request.mask ?? []);
    this.started = new Promise((resolve) => (this.resolveStarted = resolve));
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    const wait = Math.max(0, (request.notBefore ?? 0) - Date.now());
    this.waitTimer = setTimeout(() => {
      this.waitTimer = undefined;
      this.leaveGate = this.gate.admit(() => this.begin());
    }, wait);
  }

  stop(reason: StopReason, detail?: string): void {
    if (this.stopped || this.settled) return;
    this.stopped = { reason, detail };
    if (this.running) {
      this.abort.abort();
      return;
    }
    // Not started yet (waiting for its tick or the gate): it need not start at all.
    clearTimeout(this.waitTimer);
    this.leaveGate?.();
    this.settle({});
  }

  private begin(): void {
    if (this.settled) return;
    this.running = true;
    const at = Date.now();
    this.resolveStarted({ at });
    const { timeoutMs } = this.request;
    if (timeoutMs > 0) {
      this.timeoutTimer = setTimeout(
        () => this.stop('timeout', `timed out after ${timeoutMs} ms`),
        timeoutMs,
      );
    }
    this.exchange().then(
      (status) => this.settle({ status }),
      (error: Error) => this.settle({ failure: describe(error) }),
    );
  }

  /** The request and its redirects; the final status. */
  private async exchange(): Promise<number> {
    const plan = this.request.http;
    let url = new URL(plan.url);
    let method = plan.method;
    let body = plan.body;
    for (let hops = 0; ; hops += 1) {
      const response = await request(url, {
        dispatcher: this.dispatcher,
        method: method as Dispatcher.HttpMethod,
        headers: plan.headers,
        body,
        signal: this.abort.signal,
      });
      const location = header(response.headers.location);
      if (
        REDIRECTS.has(response.statusCode) &&
        location !== undefined &&
        plan.followRedirects > 0
      ) {
        await response.body.dump();
        if (hops >= plan.followRedirects) {
          throw new Error(`too many redirects (more than ${plan.followRedirects})`);
        }
        const next = new URL(location, url);
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          throw new Error(`redirect to a URL that is not http(s): ${next.protocol}`);
        }
        this.emit(Buffer.from(formatRedirect(response.statusCode, next.href)));
        const toGet =
          response.statusCode === 303 ||
          ((response.statusCode === 301 || response.statusCode === 302) && method === 'POST');
        if (toGet && method !== 'HEAD') {
          method = 'GET';
          body = undefined;
        }
        url = next;
        continue;
      }
      this.emit(Buffer.from(formatResponseHead(response.statusCode, response.headers)));
      await this.readBody(response.body, plan.maxResponseBytes);
      return response.statusCode;
    }
  }

  /** Keeps up to `cap` bytes of the body; the rest is not read (the connection is closed). */
  private async readBody(body: Dispatcher.ResponseData['body'], cap: number): Promise<void> {
    let kept = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (kept + chunk.length > cap) {
        this.emit(chunk.subarray(0, cap - kept));
        kept = cap;
        this.bodyCut = true;
        this.emit(Buffer.from(formatBodyCut(cap)));
        body.destroy();
        return;
      }
      kept += chunk.length;
      this.emit(chunk);
    }
  }

  private emit(chunk: Buffer): void {
    const masked = this.masker.push(chunk);
    if (masked.length === 0) return;
    this.output.write(masked);
    try {
      this.request.onOutput?.(masked);
    } catch {
      // Live output is best effort; the kept output is the record.
    }
  }

  private settle(outcome: { status?: number; failure?: string }): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timeoutTimer);
    clearTimeout(this.waitTimer);
    this.resolveStarted(undefined); // no effect once begun
    const rest = this.masker.end();
    if (rest.length > 0) {
      this.output.write(rest);
      this.request.onOutput?.(rest);
    }
    this.resolveDone(this.result(outcome));
  }

  private result(outcome: { status?: number; failure?: string }): ExecutionResult {
    const base = {
      output: this.output.toString(),
      truncated: this.output.truncated || this.bodyCut,
    };
    if (this.stopped) return { ...base, status: this.stopped.reason, error: this.stopped.detail };
    if (outcome.failure !== undefined || outcome.status === undefined) {
      return { ...base, status: 'failed', error: outcome.failure ?? 'no response' };
    }
    const expected = this.request.http.expectStatus;
    if (statusExpected(outcome.status, parseExpectStatus(expected) ?? [])) {
      return { ...base, status: 'succeeded', exitCode: 0 };
    }
    return {
      ...base,
      status: 'failed',
      exitCode: 1,
      error: unexpectedStatus(outcome.status, expected),
    };
  }
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The run's error: the refusal as it is, any other failure with its cause. */
function describe(error: Error): string {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof RefusedAddressError) return e.message;
  }
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `request failed: ${error.message}${cause}`;
}
