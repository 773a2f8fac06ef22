import { DEFAULT_NAMESPACE } from '../namespaces/namespace';
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { insertMissing } from '../mongo/insert-missing';
import { AlertEvent } from './alert.model';
import { Alert, DeliveryState } from './schemas/alert.schema';

export interface AlertPage {
  items: Alert[];
  nextCursor?: string;
}

/** Alert records written per insert, and the longest wait before a partial batch goes. */
const BATCH = 200;
const FLUSH_MS = 100;
/** Records waiting beyond this are refused (the alert itself is still delivered). */
const MAX_WAITING = 20_000;

export interface InitialState {
  state: Extract<DeliveryState, 'pending' | 'skipped'>;
  lastError?: string;
}

/** The record of an alert with no webhook (neither the job's nor ALERT_WEBHOOK_URL). */
export const NO_WEBHOOK: InitialState = {
  state: 'skipped',
  lastError: 'no webhook configured (job alerts.webhookUrl or ALERT_WEBHOOK_URL)',
};

interface WaitingRecord {
  doc: Record<string, unknown>;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * The `alerts` collection: one record per alert, updated as its delivery goes on. New records are
 * inserted in batches, insert-if-absent by the unique `alertId` (a duplicate key means recorded
 * already): a burst of alerts (thousands of ticks recorded missed under overload) costs a few
 * inserts, where one upsert each by `alertId` was a full collection scan each on FerretDB v1 and
 * piled up unbounded in the worker's memory.
 */
@Injectable()
export class AlertsRepository {
  private waiting: WaitingRecord[] = [];
  private timer?: NodeJS.Timeout;
  private writing = false;
  private indexes?: Promise<void>;

  constructor(@InjectModel(Alert.name) private readonly alerts: Model<Alert>) {}

  /**
   * Records the alert once, in delivery state `initial` (pending, or skipped when there is
   * nowhere to send it); later calls for the same alertId change nothing.
   */
  recordRaised(event: AlertEvent, initial: InitialState = { state: 'pending' }): Promise<void> {
    if (this.waiting.length >= MAX_WAITING) {
      return Promise.reject(new Error(`${MAX_WAITING} alert records already waiting`));
    }
    const now = new Date();
    const doc = {
      alertId: event.alertId,
      job: event.job,
      runId: event.runId,
      status: event.status,
      event: { ...event },
      ...initial,
      attempts: 0,
      raisedAt: new Date(event.raisedAt),
      updatedAt: now,
    };
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ doc, resolve, reject });
      this.flushWithin(this.waiting.length >= BATCH ? 0 : FLUSH_MS);
    });
  }

  private flushWithin(ms: number): void {
    if (this.writing || (this.timer && ms > 0)) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, ms);
  }

  /** One insert at a time: MongoDB sets the pace, and what waits stays bounded. */
  private async flush(): Promise<void> {
    const batch = this.waiting.splice(0, BATCH);
    if (batch.length === 0) return;
    this.writing = true;
    try {
      // insert-if-absent relies on the unique index, which must exist before the first insert.
      this.indexes ??= this.alerts.createIndexes().catch((error: Error) => {
        this.indexes = undefined;
        throw error;
      });
      await this.indexes;
      const failed = new Map(
        (
          await insertMissing(
            this.alerts.collection,
            batch.map((w) => w.doc),
          )
        ).map((f) => [f.index, f]),
      );
      batch.forEach((w, i) => {
        const failure = failed.get(i);
        if (failure) w.reject(new Error(failure.message));
        else w.resolve();
      });
    } catch (error) {
      batch.forEach((w) => w.reject(error as Error));
    } finally {
      this.writing = false;
      if (this.waiting.length > 0) this.flushWithin(this.waiting.length >= BATCH ? 0 : FLUSH_MS);
    }
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
    /** Alerts of this namespace's jobs (job ids `<ns>:<name>`, or plain names in `default`). */
    namespace?: string;
    job?: string;
    state?: DeliveryState;
    limit: number;
    cursor?: string;
  }): Promise<AlertPage> {
    const query: Record<string, unknown> = {};
    if (filter.job) query.job = filter.job;
    else if (filter.namespace !== undefined)
      query.job = {
        $regex: filter.namespace === DEFAULT_NAMESPACE ? '^[^:]*$' : `^${filter.namespace}:`,
      };
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

/** Per-document error codes of a failed unordered insert, by index; undefined for other errors. */
