import { Injectable } from '@nestjs/common';
import { Execution, ExecutionRequest, Executor } from './executor';
import { HttpExecutor } from './http/http.executor';
import { SpawnerExecutor } from './spawner.executor';

/** The worker's executor: HTTP runs go to the HTTP driver, commands to the spawner. */
@Injectable()
export class RoutingExecutor implements Executor {
  constructor(
    private readonly spawner: SpawnerExecutor,
    private readonly http: HttpExecutor,
  ) {}

  start(request: ExecutionRequest): Execution {
    return request.http ? this.http.start(request) : this.spawner.start(request);
  }

  gateStarts(open: () => boolean): void {
    this.spawner.gateStarts(open);
    this.http.gateStarts(open);
  }

  reopen(): void {
    this.spawner.reopen();
    this.http.reopen();
  }
}
