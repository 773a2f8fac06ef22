import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { AlertDelivery } from './alert-delivery.service';
import { AlertEvent } from './alert.model';
import { AlertsRepository, InitialState, NO_WEBHOOK } from './alerts.repository';

// The schema's decorators need TypeScript's own metadata; delivery only needs the repository.
jest.mock('./schemas/alert.schema', () => ({ Alert: class Alert {} }));

/** Counts what delivery asks of the `alerts` collection. */
class CountingRepository {
  readonly recorded: { alertId: string; initial?: InitialState }[] = [];
  reads = 0;
  updates = 0;

  async recordRaised(event: AlertEvent, initial?: InitialState): Promise<void> {
    this.recorded.push({ alertId: event.alertId, initial });
  }

  async stateOf(): Promise<undefined> {
    this.reads += 1;
    return undefined;
  }

  async markAttempt(): Promise<void> {
    this.updates += 1;
  }
}

const event: AlertEvent = {
  alertId: 'job@1000:missed',
  job: 'job',
  runId: 'job@1000',
  status: 'missed',
  attempt: 1,
  tick: new Date(1000).toISOString(),
  raisedAt: new Date(2000).toISOString(),
};

describe('AlertDelivery', () => {
  it('records an alert with no webhook as skipped in one insert, with no read or update', async () => {
    const config = Object.assign(new AppConfig(), { ALERT_WEBHOOK_URL: undefined });
    const repository = new CountingRepository();
    const delivery = new AlertDelivery(
      config,
      repository as unknown as AlertsRepository,
      new MetricsService(config),
    );
    expect(await delivery.attempt(event, 1)).toEqual({ outcome: 'skipped' });
    expect(repository.recorded).toEqual([{ alertId: event.alertId, initial: NO_WEBHOOK }]);
    expect([repository.reads, repository.updates]).toEqual([0, 0]);
  });
});
