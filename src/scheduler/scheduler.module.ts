import { SecretsModule } from '../secrets/secrets.module';
import { Module } from '@nestjs/common';
import { EXECUTOR } from '../executor/executor';
import { SpawnerExecutor } from '../executor/spawner.executor';
import { HttpExecutor } from '../executor/http/http.executor';
import { RoutingExecutor } from '../executor/routing.executor';
import { RunRequestsRepository } from '../jobs/run-requests.repository';
import { LogsModule } from '../logs/logs.module';
import { RunOutputModule } from '../run-stream/run-output.module';
import { WorkerRegistryRepository } from '../workers/worker-registry.repository';
import { WorkerSessionService } from '../workers/worker-session.service';
import { RunLogRepository } from './run-log/run-log.repository';
import { RunLogService } from './run-log/run-log.service';
import { AuditLedger } from './audit-ledger';
import { ClaimAudit } from './claim-audit';
import { ClaimSettler } from './claim-settler';
import { ReplaceRunning } from './replace-running';
import { RunOutcomesService } from './run-outcomes.service';
import { ConfigRunAsPolicies } from './config-run-as-policies';
import { NamespacePools } from './namespace-pools';
import { RUN_AS_POLICIES } from './run-as-policy';
import { RunnerService } from './runner.service';
import { SchedulerService } from './scheduler.service';
import { TickClaimer } from './tick-claimer';
import { TriggerConsumer } from './trigger-consumer';
import { DependencyIndex } from './dependency-index';
import { DependencyTrigger } from './dependency-trigger';
import { WorkerRequestsRepository } from './worker-requests.repository';

/** The worker role: session, job table, ownership, tick claims, executor and run log. */
@Module({
  imports: [LogsModule, RunOutputModule, SecretsModule],
  providers: [
    WorkerRegistryRepository,
    WorkerSessionService,
    WorkerRequestsRepository,
    RunRequestsRepository,
    RunLogRepository,
    RunLogService,
    SpawnerExecutor,
    HttpExecutor,
    { provide: EXECUTOR, useClass: RoutingExecutor },
    RunOutcomesService,
    ConfigRunAsPolicies,
    NamespacePools,
    { provide: RUN_AS_POLICIES, useExisting: NamespacePools },
    { provide: DependencyIndex, useValue: new DependencyIndex() },
    DependencyTrigger,
    RunnerService,
    ReplaceRunning,
    ClaimSettler,
    AuditLedger,
    ClaimAudit,
    TickClaimer,
    TriggerConsumer,
    SchedulerService,
  ],
})
export class SchedulerModule {}
