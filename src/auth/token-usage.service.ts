import { Injectable, Logger } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { UsageThrottle } from './token-usage';
import { TokenUsage } from './token-usage.schema';

/** At most one write of a token's last use per this interval and master. */
export const LAST_USE_INTERVAL_MS = 60_000;

/**
 * Tokens' last use, in MongoDB rather than etcd: it changes with traffic, not with
 * configuration, and etcd's contents stay what people changed. Writes are fire-and-forget
 * and throttled (UsageThrottle); a failed write is logged and the request never notices.
 */
@Injectable()
export class TokenUsageService {
  private readonly logger = new Logger('TokenUsage');
  private readonly throttle = new UsageThrottle(LAST_USE_INTERVAL_MS);

  constructor(@InjectModel(TokenUsage.name) private readonly usage: Model<TokenUsage>) {}

  /** Notes a use of `tokenId` now; returns at once. */
  touch(tokenId: string, now = Date.now()): void {
    if (!this.throttle.touch(tokenId, now)) return;
    this.usage
      .updateOne({ tokenId }, { $max: { lastUsedAt: new Date(now) } }, { upsert: true })
      .exec()
      .catch((error: Error) =>
        this.logger.warn({ msg: 'last use of a token not stored', tokenId, err: error }),
      );
  }

  /** Last use per token id, from MongoDB and this process; MongoDB away: this process only. */
  async lastUsed(tokenIds: readonly string[]): Promise<Map<string, Date>> {
    const result = new Map<string, Date>();
    try {
      const stored = await this.usage
        .find({ tokenId: { $in: [...tokenIds] } }, { _id: 0 })
        .lean<TokenUsage[]>()
        .exec();
      for (const entry of stored) result.set(entry.tokenId, new Date(entry.lastUsedAt));
    } catch (error) {
      this.logger.warn({ msg: 'last use of tokens not read', err: error as Error });
    }
    for (const id of tokenIds) {
      const local = this.throttle.lastUsed(id);
      const known = result.get(id);
      if (local !== undefined && (known === undefined || known.getTime() < local))
        result.set(id, new Date(local));
    }
    return result;
  }

  /** Forgets a revoked token's last use (best effort). */
  forget(tokenId: string): void {
    this.throttle.forget(tokenId);
    this.usage
      .deleteOne({ tokenId })
      .exec()
      .catch((error: Error) =>
        this.logger.warn({ msg: 'last use of a revoked token not deleted', tokenId, err: error }),
      );
  }
}
