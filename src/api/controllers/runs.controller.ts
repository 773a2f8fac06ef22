import { CurrentNamespace } from '../../namespaces/namespace';
import { NamespaceGuard } from '../../namespaces/namespace.guard';
import { namespaceOfRun } from '../../jobs/run-id';
import { Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Actor } from '../../auth/actor';
import { CurrentActor } from '../../auth/current-actor.decorator';
import { RequireRole } from '../../auth/require-role.decorator';
import { DomainError } from '../../jobs/domain-error';
import { RunControlService } from '../../jobs/run-control.service';
import { RunsRepository } from '../../logs/runs.repository';
import { ErrorView } from '../dto/misc.dto';
import { RunIdView, RunView } from '../dto/run.dto';
import { RunIdPipe } from '../pipes/params';
import { runView } from '../views';
import { ApiCommonResponses } from './api-docs';
import { V1 } from './http-types';

@ApiTags('runs')
@ApiCommonResponses()
@Controller([`${V1}/runs`, `${V1}/namespaces/:ns/runs`])
@UseGuards(NamespaceGuard)
export class RunsController {
  constructor(
    private readonly runs: RunsRepository,
    private readonly control: RunControlService,
  ) {}

  @Get(':runId')
  @RequireRole('viewer')
  @ApiOperation({ summary: 'One run, with its output' })
  @ApiOkResponse({ type: RunView })
  @ApiNotFoundResponse({ type: ErrorView })
  async get(
    @Param('runId', RunIdPipe) runId: string,
    @CurrentNamespace() namespace: string,
  ): Promise<RunView> {
    // Another namespace's run ids are unknown here.
    const run = namespaceOfRun(runId) === namespace ? await this.runs.get(runId) : undefined;
    if (!run) throw new DomainError('notFound', `run "${runId}" not found`);
    return runView(run, true);
  }

  @Post(':runId/kill')
  @RequireRole('operator')
  @HttpCode(202)
  @ApiOperation({ summary: 'Kill one running run' })
  @ApiAcceptedResponse({ type: RunIdView })
  @ApiNotFoundResponse({ type: ErrorView })
  @ApiConflictResponse({ type: ErrorView, description: 'The run is not running.' })
  kill(
    @Param('runId', RunIdPipe) runId: string,
    @CurrentNamespace() namespace: string,
    @CurrentActor() actor: Actor,
  ): Promise<RunIdView> {
    if (namespaceOfRun(runId) !== namespace)
      throw new DomainError('notFound', `run "${runId}" not found`);
    return this.control.killRun(runId, actor);
  }
}
