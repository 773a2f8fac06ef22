import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../../auth/require-role.decorator';
import { DependencyGraph } from '../../jobs/dependencies/dependency-graph.service';
import { CurrentNamespace } from '../../namespaces/namespace';
import { NamespaceGuard } from '../../namespaces/namespace.guard';
import { DependencyGraphView } from '../dto/dependency.dto';
import { ApiCommonResponses } from './api-docs';
import { V1 } from './http-types';

@ApiTags('jobs')
@ApiCommonResponses()
@Controller([`${V1}/dependencies`, `${V1}/namespaces/:ns/dependencies`])
@UseGuards(NamespaceGuard)
export class DependenciesController {
  constructor(private readonly graph: DependencyGraph) {}

  @Get()
  @RequireRole('viewer')
  @ApiOperation({
    summary: "A namespace's dependency graph",
    description:
      'Every job that runs after another or has a job running after it, and the edges from parent to child; a dangling parent has `exists: false`.',
  })
  @ApiOkResponse({ type: DependencyGraphView })
  get(@CurrentNamespace() namespace: string): Promise<DependencyGraphView> {
    return this.graph.graph(namespace);
  }
}
