import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { AlertEvent } from './alert.model';
import { Alert, DeliveryState } from './schemas/alert.schema';

export interface AlertPage {
  items: Alert[];
  nextCursor?: string;
}

/** The `alerts` collection: one record per alert, updated as its delivery goes on. */
@Injectable()
export class AlertsRepository {
  constructor(@InjectModel(Alert.name) private readonly alerts: Model<Alert>) {}

  /** Records the alert once; later calls for the same alertId change nothing. */
  async recordRaised(event: AlertEvent): Promise<void> {
    await this.alerts.updateOne(
      { alertId: event.alertId },
      {
        $setOnInsert: {
          alertId: event.alertId,
          job: event.job,
          runId: event.runId,
          status: event.status,
          event: { ...event },
          state: 'pending',
          attempts: 0,
          raisedAt: new Date(event.raisedAt),
          updatedAt: new Date(),
        },
      },
      { upsert: true },
    );
  }

  async stateOf(alertId: string): Promise<DeliveryState | undefined> {
    const found = await this.alerts.findOne({ alertId }, { state: 1 }).lean();
    return found?.state;
  }

  async markAttempt(
    alertId: string,
    attempts: number,
    state: DeliveryState,
    details: { lastError?: string; webhookHost?: string } = {},
  ): Promise<void> {
    const now = new Date();
    await this.alerts.updateOne(
      { alertId },
      {
        $set: {
          state,
          attempts,
          updatedAt: now,
          ...(state === 'delivered' ? { deliveredAt: now } : {}),
          ...(details.lastError !== undefined ? { lastError: details.lastError } : {}),
          ...(details.webhookHost !== undefined ? { webhookHost: details.webhookHost } : {}),
        },
      },
    );
  }

  /** Newest first; `cursor` is the raisedAt/alertId of the last item of the previous page. */
  async list(filter: {
    job?: string;
    state?: DeliveryState;
    limit: number;
    cursor?: string;
  }): Promise<AlertPage> {
    const query: Record<string, unknown> = {};
    if (filter.job) query.job = filter.job;
    if (filter.state) query.state = filter.state;
    if (filter.cursor) {
      const [time, alertId] = decodeCursor(filter.cursor);
      query.$or = [{ raisedAt: { $lt: time } }, { raisedAt: time, alertId: { $lt: alertId } }];
    }
    const items = await this.alerts
      .find(query, { _id: 0 })
      .sort({ raisedAt: -1, alertId: -1 })
      .limit(filter.limit + 1)
      .lean<Alert[]>();
    const page = items.slice(0, filter.limit);
    const last = page[page.length - 1];
    return {
      items: page,
      nextCursor:
        items.length > filter.limit && last ? encodeCursor(last.raisedAt, last.alertId) : undefined,
    };
  }
}

function encodeCursor(time: Date, alertId: string): string {
  return Buffer.from(JSON.stringify([time.getTime(), alertId])).toString('base64url');
}

export class BadCursorError extends Error {}

function decodeCursor(cursor: string): [Date, string] {
  try {
    const [time, alertId] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [
      number,
      string,
    ];
    if (typeof time !== 'number' || typeof alertId !== 'string') throw new Error('shape');
    return [new Date(time), alertId];
  } catch {
    throw new BadCursorError('cursor is not one this API returned');
  }
}
