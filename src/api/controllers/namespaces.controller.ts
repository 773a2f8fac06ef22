import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Actor } from '../../auth/actor';
import { CurrentActor } from '../../auth/current-actor.decorator';
import { RequireRole } from '../../auth/require-role.decorator';
import { ClusterScoped } from '../../auth/cluster-scoped.decorator';
import { roleIn } from '../../auth/access';
import { NamespacesService } from '../../namespaces/namespaces.service';
import { StoredNamespace } from '../../namespaces/namespace.model';
import { CreateNamespaceDto, NamespaceSettingsDto, NamespaceView } from '../dto/namespace.dto';
import { ErrorView } from '../dto/misc.dto';
import { checkedNamespace } from '../pipes/job-id';
import { ApiCommonResponses } from './api-docs';
import { V1 } from './http-types';

/** `/api/v1/namespaces`: the teams' spaces, their worker pools and run-as users. */
@ApiTags('namespaces')
@ApiCommonResponses()
@Controller(`${V1}/namespaces`)
export class NamespacesController {
  constructor(private readonly namespaces: NamespacesService) {}

  @Get()
  @RequireRole('viewer')
  @ClusterScoped()
  @ApiOperation({ summary: 'The namespaces the token holds a grant in, by name' })
  @ApiOkResponse({ type: [NamespaceView] })
  async list(@CurrentActor() actor: Actor): Promise<NamespaceView[]> {
    const all = await this.namespaces.list();
    const access = { clusterAdmin: actor.clusterAdmin === true, grants: actor.grants ?? [] };
    return all.filter((ns) => roleIn(access, ns.name) !== undefined).map(view);
  }

  @Post()
  @RequireRole('admin')
  @ClusterScoped()
  @ApiOperation({ summary: 'Create a namespace' })
  @ApiCreatedResponse({ type: NamespaceView })
  @ApiConflictResponse({ type: ErrorView, description: 'It exists.' })
  async create(
    @Body() body: CreateNamespaceDto,
    @CurrentActor() actor: Actor,
  ): Promise<NamespaceView> {
    return view(await this.namespaces.create(body.name, body, actor));
  }

  @Get(':ns')
  @RequireRole('viewer')
  @ApiOperation({ summary: 'A namespace' })
  @ApiOkResponse({ type: NamespaceView })
  @ApiNotFoundResponse({ type: ErrorView })
  async get(@Param('ns') ns: string): Promise<NamespaceView> {
    return view(await this.namespaces.get(checkedNamespace({ ns })));
  }

  // A namespace's pool and run-as users bound what its admins can do: the cluster-admin's.
  @Patch(':ns')
  @RequireRole('admin')
  @ClusterScoped()
  @ApiOperation({ summary: "Change a namespace's description, worker pool or run-as users" })
  @ApiOkResponse({ type: NamespaceView })
  @ApiNotFoundResponse({ type: ErrorView })
  async update(
    @Param('ns') ns: string,
    @Body() body: NamespaceSettingsDto,
    @CurrentActor() actor: Actor,
  ): Promise<NamespaceView> {
    return view(await this.namespaces.update(checkedNamespace({ ns }), body, actor));
  }

  @Delete(':ns')
  @RequireRole('admin')
  @ClusterScoped()
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an empty namespace' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorView })
  @ApiConflictResponse({ type: ErrorView, description: 'It still holds jobs.' })
  async remove(@Param('ns') ns: string, @CurrentActor() actor: Actor): Promise<void> {
    await this.namespaces.remove(checkedNamespace({ ns }), actor);
  }
}

function view(namespace: StoredNamespace): NamespaceView {
  return { ...namespace };
}
