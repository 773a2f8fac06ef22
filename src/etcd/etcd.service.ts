import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Etcd3 } from 'etcd3';
import { AppConfig } from '../config/app-config';
import { etcdSecurity } from '../config/connection-security';
import { tlsRefusal } from '../config/tls-probe';
import { EtcdKeys } from './etcd-keys';
import { etcdFaultHandling } from './fault-handling';
import { StateReader, etcdMultiGet } from './state-reader';

/** A unary etcd call fails after this long (the client may then retry it). */
export const ETCD_CALL_DEADLINE_MS = 5000;

/** The process's one etcd client, and the key space under the configured prefix. */
@Injectable()
export class EtcdService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EtcdService.name);
  readonly client: Etcd3;
  readonly keys: EtcdKeys;
  /** Single-key reads batched into read-only transactions of up to ETCD_MAX_TXN_OPS gets. */
  readonly batchedReads: StateReader;

  private readonly endpoint: string;
  private readonly tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };

  constructor(config: AppConfig) {
    const security = etcdSecurity(config);
    this.endpoint = config.ETCD_ENDPOINTS[0];
    const credentials = security.credentials;
    if (credentials)
      this.tls = {
        ca: credentials.rootCertificate.length > 0 ? credentials.rootCertificate : undefined,
        cert: credentials.certChain,
        key: credentials.privateKey,
      };
    this.client = new Etcd3({
      hosts: config.ETCD_ENDPOINTS,
      ...security,
      dialTimeout: 3000,
      // Unary calls fail after 5 s instead of hanging while etcd is away; streams (watches,
      // keep-alives) have no deadline and are re-established by their owners.
      defaultCallOptions: (context) =>
        context.isStream ? {} : { deadline: Date.now() + ETCD_CALL_DEADLINE_MS },
      // No per-host breaker that one failing kind of call (an oversized read, say) can open for
      // all the others, lease keep-alives included: see fault-handling.ts.
      faultHandling: etcdFaultHandling(config.ETCD_ENDPOINTS.length),
    });
    this.keys = new EtcdKeys(config.ETCD_PREFIX);
    this.batchedReads = new StateReader(etcdMultiGet(this.client), config.ETCD_MAX_TXN_OPS);
  }

  /** Resolves when etcd answers a status request within `timeoutMs`. */
  async ping(timeoutMs = 1000): Promise<void> {
    await this.client.maintenance.status({ deadline: Date.now() + timeoutMs });
  }

  /**
   * One clear line at start when etcd refuses this process's credentials or certificate (the
   * calls that fail later say the same at warn, less plainly); readiness stays 503 meanwhile.
   */
  onApplicationBootstrap(): void {
    this.ping(3000).catch(async (error: Error) => {
      let refusal = describeRefusal(error.message);
      let reason = error.message;
      const tls = this.tls;
      if (!refusal && tls) {
        const refused = await tlsRefusal(this.endpoint, tls);
        if (refused) [refusal, reason] = [describeRefusal('TLS'), refused];
      }
      if (refusal) this.logger.error({ msg: refusal, err: reason });
    });
  }

  onApplicationShutdown(): void {
    this.client.close();
  }
}

/** What a failed first call says about the credentials, if it is their fault. */
export function describeRefusal(message: string): string | undefined {
  if (
    /authentication failed|invalid user ID or password|user name is empty|permission denied/i.test(
      message,
    )
  )
    return 'etcd refuses this process: wrong user or password (ETCD_USERNAME, ETCD_PASSWORD_FILE)';
  if (/certificate|handshake|SSL|TLS|self.signed|unable to verify/i.test(message))
    return 'etcd refuses this process: the TLS connection failed (ETCD_CA_FILE, ETCD_CERT_FILE, ETCD_KEY_FILE)';
  return undefined;
}
