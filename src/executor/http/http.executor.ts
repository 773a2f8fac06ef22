import { networkInterfaces } from 'node:os';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Agent } from 'undici';
import { AppConfig } from '../../config/app-config';
import { Execution, ExecutionRequest, Executor } from '../executor';
import { AddressPolicy } from './address-policy';
import { guardedConnector } from './guarded-connector';
import { HttpRun, StartGate } from './http-run';

/** Connections kept per origin (scheme, host, port) at most; more requests queue for one. */
export const CONNECTIONS_PER_ORIGIN = 64;

/**
 * The driver of HTTP jobs: one undici Agent, which keeps a connection pool per origin (at most
 * CONNECTIONS_PER_ORIGIN connections each), every connection opened by the guarded connector
 * (HTTP_JOB_ALLOW_CIDRS / HTTP_JOB_DENY_CIDRS, link-local and metadata addresses, this process's
 * own API). No process is spawned.
 */
@Injectable()
export class HttpExecutor implements Executor, StartGate, OnApplicationShutdown {
  private readonly agent: Agent;
  private open: () => boolean = () => true;
  private readonly held = new Set<() => void>();

  constructor(config: AppConfig) {
    const policy = new AddressPolicy({
      allow: config.HTTP_JOB_ALLOW_CIDRS,
      deny: config.HTTP_JOB_DENY_CIDRS,
      ownApi: config.ROLE === 'all' ? { addresses: ownAddresses(), port: config.PORT } : undefined,
    });
    this.agent = new Agent({
      connections: CONNECTIONS_PER_ORIGIN,
      connect: guardedConnector(policy),
      // The job's timeoutSeconds bounds the whole run; no other timeout cuts a slow answer.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  }

  start(request: ExecutionRequest): Execution {
    const { http } = request;
    if (!http) throw new Error('not an HTTP run');
    return new HttpRun({ ...request, http }, this.agent, this);
  }

  admit(start: () => void): () => void {
    if (this.open()) {
      start();
      return () => undefined;
    }
    this.held.add(start);
    return () => this.held.delete(start);
  }

  gateStarts(open: () => boolean): void {
    this.open = open;
  }

  reopen(): void {
    if (!this.open()) return;
    const starts = [...this.held];
    this.held.clear();
    for (const start of starts) start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.close();
  }
}

/** Loopback and this host's interface addresses: where its own API listens. */
function ownAddresses(): string[] {
  const addresses = ['127.0.0.0/8', '::1'];
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) addresses.push(entry.address.split('%')[0]);
  }
  return addresses;
}
