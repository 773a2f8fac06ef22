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
  @ApiOperation({ summary: 'Namespaces, by name' })
  @ApiOkResponse({ type: [NamespaceView] })
  async list(): Promise<NamespaceView[]> {
    return (await this.namespaces.list()).map(view);
  }

  @Post()
  @RequireRole('admin')
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

  @Patch(':ns')
  @RequireRole('admin')
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
