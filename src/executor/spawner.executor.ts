import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Execution, ExecutionRequest, Executor } from './executor';
import { SpawnedRun } from './spawned-run';
import { SpawnerClient } from './spawner-client';

/**
 * Runs `<the job's shell, else WORKER_SHELL> -c command` (its stdin: the job's `stdin`, else /dev/null) as the leader of its own process group (so a timeout or kill
 * reaches every child the command started), but spawned by the small native spawner
 * (native/spawner.c) rather than by the worker: forking the large worker process blocked its
 * event loop for milliseconds per start, and forks from any Node process cost about 1 ms of CPU. Results, output capture and signals are the same as spawning here.
 */
@Injectable()
export class SpawnerExecutor implements Executor, OnApplicationShutdown {
  private readonly spawner = new SpawnerClient();

  constructor(private readonly config: AppConfig) {}

  start(request: ExecutionRequest): Execution {
    const spec = {
      file: request.shell ?? this.config.WORKER_SHELL,
      args: ['-c', request.command],
      env: request.env,
      notBefore: request.notBefore,
      stdin: request.stdin,
      runAs: request.runAs,
    };
    return new SpawnedRun(request, spec, this.spawner);
  }

  gateStarts(open: () => boolean): void {
    this.spawner.gate = open;
  }

  reopen(): void {
    this.spawner.kick();
  }

  /**
   * After RunnerService.drain (in SchedulerService.beforeApplicationShutdown, which Nest runs
   * before any onApplicationShutdown): the spawner exits; commands still running are untouched.
   */
  onApplicationShutdown(): Promise<void> {
    return this.spawner.close();
  }
}
