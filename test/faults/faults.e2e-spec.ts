import { runFaultSuite } from './fault-suite';

/**
 * Faults under load: SIGKILLed and SIGSTOPped workers, the etcd leader member killed, the
 * MongoDB-wire server and NATS restarted, the leading master SIGKILLed, at seeded random times.
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
        ledgerLines: report.ledgerLines,
        runRecords: report.runRecords,
        ranWithoutRecord: report.ranWithoutRecord.length,
        alertsExpected: report.alertsExpected,
        alertsDelivered: report.alertsDelivered,
        alertsUnexpected: report.alertsUnexpected,
      };
      process.stdout.write(`fault suite summary: ${JSON.stringify(summary, null, 2)}\n`);
      expect(report.faults.map((f) => f.kind)).toEqual(
        expect.arrayContaining([
          'killWorker',
          'pauseWorker',
          'killEtcdLeader',
          'restartMongo',
          'restartNats',
          'killLeaderMaster',
        ]),
      );
      expect(report.ticksChecked).toBeGreaterThan(0);
      expect(report.duplicates).toEqual([]);
      expect(report.recordDuplicates).toEqual([]);
      expect(report.ranButRecordedNotRun).toEqual([]);
      expect(report.unaccounted).toEqual([]);
      expect(report.leftRunning).toEqual([]);
      expect(report.alertDuplicates).toEqual([]);
      expect(report.alertsMissing).toEqual([]);
      expect(report.alertsExpected).toBeGreaterThan(0);
    },
    (SECONDS + 300) * 1000,
  );
});
