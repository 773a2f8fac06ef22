/** A cron expression, time zone or macro that cannot be used; the message says why. */
export class CronSyntaxError extends Error {}
