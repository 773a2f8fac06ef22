import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('uses documented defaults', () => {
    const config = loadConfig({});
    expect(config.ROLE).toBe('all');
    expect(config.PORT).toBe(8070);
    expect(config.WORKER_PORT).toBe(8071);
    expect(config.ETCD_ENDPOINTS).toEqual(['http://127.0.0.1:2379']);
    expect(config.ETCD_PREFIX).toBe('/cron/');
    expect(config.MONGODB_URI).toBe('mongodb://127.0.0.1:27017/cron');
    expect(config.NATS_URL).toBeUndefined();
    expect(config.WORKER_ID).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*-[0-9a-f]{6}$/);
  });

  it('parses lists, numbers and labels', () => {
    const config = loadConfig({
      ROLE: 'worker',
      PORT: '9000',
      ETCD_ENDPOINTS: 'http://10.0.0.1:2379, https://etcd-1.svc:2379',
      WORKER_LABELS: 'zone=a,gpu=true',
      NATS_URL: 'nats://127.0.0.1:4222',
    });
    expect(config.ROLE).toBe('worker');
    expect(config.PORT).toBe(9000);
    expect(config.ETCD_ENDPOINTS).toEqual(['http://10.0.0.1:2379', 'https://etcd-1.svc:2379']);
    expect(config.workerLabels).toEqual({ zone: 'a', gpu: 'true' });
    expect(config.NATS_URL).toEqual(['nats://127.0.0.1:4222']);
  });

  it.each([
    [{ ROLE: 'boss' }, /^invalid ROLE="boss": must be one of master, worker, all$/],
    [{ PORT: 'eighty' }, /^invalid PORT="eighty": must be a port number from 0 to 65535$/],
    [{ PORT: '70000' }, /^invalid PORT="70000"/],
    [{ ETCD_ENDPOINTS: 'localhost:2379' }, /^invalid ETCD_ENDPOINTS="localhost:2379": must be/],
    [{ ETCD_ENDPOINTS: 'ftp://x:1' }, /^invalid ETCD_ENDPOINTS/],
    [{ ETCD_PREFIX: 'cron' }, /^invalid ETCD_PREFIX="cron"/],
    [{ MONGODB_URI: 'mongodb://host:27017' }, /^invalid MONGODB_URI=.*names a database$/],
    [{ WORKER_ID: 'a/b' }, /^invalid WORKER_ID="a\/b"/],
    [{ WORKER_LABELS: 'zone' }, /^invalid WORKER_LABELS="zone"/],
    [{ LOG_LEVEL: 'loud' }, /^invalid LOG_LEVEL="loud"/],
  ])('rejects %j with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never echoes the admin token', () => {
    expect(() => loadConfig({ CRON_ADMIN_TOKEN: 'short' })).toThrow(
      'invalid CRON_ADMIN_TOKEN=(hidden): must be at least 16 characters',
    );
  });
});
