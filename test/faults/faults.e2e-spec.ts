import { FAULT_KINDS, runFaultSuite } from './fault-suite';

/**
 * Faults under load: SIGKILLed and SIGSTOPped workers (also one of each in the same slot), the
 * etcd leader member killed, the MongoDB-wire server and NATS restarted, the leading master
 * SIGKILLed, at seeded random times.
 * `npm test` runs the short version; `npm run test:faults` the long one (FAULTS_SECONDS=330,
 * FAULTS_JOBS=100). FAULTS_SEED replays a run's fault times.
 */
const SECONDS = Number(process.env.FAULTS_SECONDS ?? 90);
const JOBS = Number(process.env.FAULTS_JOBS ?? 30);
const SEED = Number(process.env.FAULTS_SEED ?? Math.floor(Math.random() * 2 ** 31));

describe('fault suite', () => {
  it(
    `${JOBS} jobs, ${SECONDS} s of faults (seed ${SEED}): no duplicate, no tick lost, nothing left running, alerts once`,
    async () => {
      const report = await runFaultSuite({
        seconds: SECONDS,
        jobs: JOBS,
        seed: SEED,
        settleSeconds: 20,
        log: (line) => process.stdout.write(`${line}\n`),
      });
      const summary = {
        seed: report.seed,
        faults: report.faults.map((f) => `${f.kind}: ${f.detail}`),
        ticksChecked: report.ticksChecked,
        ticksRan: report.ticksRan,
        ticksRecordedNotRun: report.ticksRecordedNotRun,
        notRunReasons: report.notRunReasons,
        ledgerLines: report.ledgerLines,
        runRecords: report.runRecords,
        ranWithoutRecord: report.ranWithoutRecord.length,
        alertsExpected: report.alertsExpected,
        alertsDelivered: report.alertsDelivered,
        alertsUnexpected: report.alertsUnexpected,
        recordsOnlyOnDisk: report.recordsOnlyOnDisk,
        workersNotFlushed: report.workersNotFlushed,
        leftRunning: report.leftRunning.length,
        unaccounted: report.unaccounted.length,
        duplicates: report.duplicates.length,
      };
      process.stdout.write(`fault suite summary: ${JSON.stringify(summary, null, 2)}\n`);
      // Every check is evaluated, so one failing run reports all of its problems at once.
      const violations: Record<string, unknown> = {};
      const missingKinds = FAULT_KINDS.filter((k) => !report.faults.some((f) => f.kind === k));
      if (missingKinds.length > 0) violations.faultsNotInjected = missingKinds;
      if (report.ticksChecked === 0) violations.noTicksChecked = true;
      if (report.duplicates.length > 0) violations.duplicateExecutions = report.duplicates;
      if (report.recordDuplicates.length > 0)
        violations.duplicateRunRecords = report.recordDuplicates;
      if (report.ranButRecordedNotRun.length > 0)
        violations.ranButRecordedNotRun = report.ranButRecordedNotRun;
      if (report.unaccounted.length > 0) violations.unaccountedTicks = report.unaccounted;
      if (report.leftRunning.length > 0) violations.leftRunning = report.leftRunning;
      if (report.alertDuplicates.length > 0)
        violations.alertsDeliveredTwice = report.alertDuplicates;
      if (report.alertsExpected === 0) violations.noAlertRaisedForTheFailingJob = true;
      if (report.alertsMissing.length > 0) violations.alertsNotDelivered = report.alertsMissing;
      expect(violations).toEqual({});
    },
    (SECONDS + 300 + JOBS) * 1000,
  );
});
