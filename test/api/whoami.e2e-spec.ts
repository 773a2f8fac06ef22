import { appEnv, isolationId } from '../support/env';
import { AppProcess, startApp } from '../support/app-process';

const TOKEN = 'test-admin-token-0123456789';

describe('GET /api/v1/whoami', () => {
  let app: AppProcess;
  beforeAll(async () => {
    app = await startApp(
      appEnv(isolationId('whoami'), { ROLE: 'master', CRON_ADMIN_TOKEN: TOKEN }),
    );
  });
  afterAll(() => app?.stop());

  const whoami = (token?: string): Promise<Response> =>
    fetch(`${app.baseUrl}/api/v1/whoami`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  it('names the calling token, its role in default and its grants', async () => {
    const admin = await whoami(TOKEN);
    expect(admin.status).toBe(200);
    expect(((await admin.json()) as { role: string }).role).toBe('admin');

    const created = await fetch(`${app.baseUrl}/api/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'dashboard', role: 'viewer' }),
    });
    expect(created.status).toBe(201);
    const { token } = (await created.json()) as { token: string };
    const viewer = await whoami(token);
    expect(await viewer.json()).toEqual({
      name: 'dashboard',
      role: 'viewer',
      clusterAdmin: false,
      grants: [{ namespace: 'default', role: 'viewer' }],
    });

    expect((await whoami()).status).toBe(401);
  });
});
