import { CurrentNamespace } from '../../namespaces/namespace';
import { NamespaceGuard } from '../../namespaces/namespace.guard';
import { Body, Controller, Delete, Get, Param, Post, Query, UseGuards } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AuditService } from '../../audit/audit.service';
import { roleIn } from '../../auth/access';
import { Actor } from '../../auth/actor';
import { ClusterScoped } from '../../auth/cluster-scoped.decorator';
import { CurrentActor } from '../../auth/current-actor.decorator';
import { RequireRole } from '../../auth/require-role.decorator';
import { TokensService } from '../../auth/tokens.service';
import { DomainError } from '../../jobs/domain-error';
import { DEFAULT_NAMESPACE } from '../../namespaces/namespace';
import { AuditPageView, AuditQueryDto, ErrorView } from '../dto/misc.dto';
import {
  CreateTokenDto,
  CreatedTokenView,
  TokenView,
  WhoAmIView,
  tokenSpecOf,
} from '../dto/token.dto';
import { decodeCursor, encodeCursor } from '../dto/query';
import { auditView } from '../views';
import { ApiCommonResponses } from './api-docs';
import { V1 } from './http-types';

/**
 * The caller's identity, tokens and the audit log. Tokens are cluster-scoped and delegated: a
 * cluster-admin manages every token, a namespace admin those whose grants all lie in namespaces
 * where it is admin (src/auth/access.ts). The audit log is namespace `default`'s for now.
 */
@ApiTags('admin')
@ApiCommonResponses()
@Controller(V1)
export class AdminController {
  constructor(
    private readonly tokens: TokensService,
    private readonly audit: AuditService,
  ) {}

  @Get('whoami')
  @RequireRole('viewer')
  @ClusterScoped()
  @ApiOperation({
    summary: 'The calling token: its name, grants and role in `default` (what the console shows)',
  })
  @ApiOkResponse({ type: WhoAmIView })
  whoami(@CurrentActor() actor: Actor): WhoAmIView {
    const access = { clusterAdmin: actor.clusterAdmin === true, grants: actor.grants ?? [] };
    const role = roleIn(access, DEFAULT_NAMESPACE);
    return {
      name: actor.name,
      ...(role !== undefined ? { role } : {}),
      clusterAdmin: access.clusterAdmin,
      grants: access.grants.map(({ namespace, role: granted }) => ({ namespace, role: granted })),
    };
  }

  @Post('tokens')
  @RequireRole('admin')
  @ClusterScoped({ delegated: true })
  @ApiOperation({
    summary: 'Create a token; its secret is in this response only',
    description:
      'A namespace admin may grant roles only in namespaces where it is admin; only a ' +
      'cluster-admin creates cluster-admin tokens.',
  })
  @ApiCreatedResponse({ type: CreatedTokenView })
  @ApiForbiddenResponse({ type: ErrorView })
  createToken(
    @Body() body: CreateTokenDto,
    @CurrentActor() actor: Actor,
  ): Promise<CreatedTokenView> {
    return this.tokens.create(tokenSpecOf(body), actor);
  }

  @Get('tokens')
  @RequireRole('admin')
  @ClusterScoped({ delegated: true })
  @ApiOperation({
    summary: 'List the tokens the caller may manage, with expiry and last use (never secrets)',
  })
  @ApiOkResponse({ type: [TokenView] })
  listTokens(@CurrentActor() actor: Actor): Promise<TokenView[]> {
    return this.tokens.list(actor);
  }

  @Delete('tokens/:id')
  @RequireRole('admin')
  @ClusterScoped({ delegated: true })
  @ApiOperation({ summary: 'Revoke a token (the caller may manage)' })
  @ApiOkResponse({ type: TokenView })
  @ApiNotFoundResponse({ type: ErrorView })
  revokeToken(@Param('id') id: string, @CurrentActor() actor: Actor): Promise<TokenView> {
    if (!/^[0-9a-f]{16}$/.test(id))
      throw DomainError.invalid([{ field: 'id', reason: 'must be 16 hex digits' }]);
    return this.tokens.revoke(id, actor);
  }

  @Get(['audit', 'namespaces/:ns/audit'])
  @RequireRole('viewer')
  @UseGuards(NamespaceGuard)
  @ApiOperation({
    summary:
      "A namespace's changes made through the API, newest first (the old route: default's, and the cluster's own)",
  })
  @ApiOkResponse({ type: AuditPageView })
  async listAudit(
    @Query() query: AuditQueryDto,
    @CurrentNamespace() namespace: string,
  ): Promise<AuditPageView> {
    const limit = query.limit ?? 50;
    let before: { at: Date; entryId: string } | undefined;
    if (query.cursor !== undefined) {
      const decoded = decodeCursor(query.cursor) as { t?: unknown; e?: unknown } | undefined;
      if (!decoded || typeof decoded.t !== 'number' || typeof decoded.e !== 'string') {
        throw DomainError.invalid([
          { field: 'cursor', reason: 'is not a cursor this API returned' },
        ]);
      }
      before = { at: new Date(decoded.t), entryId: decoded.e };
    }
    const entries = await this.audit.find({
      namespace,
      job: query.job,
      action: query.action,
      actor: query.actor,
      before,
      limit,
    });
    const last = entries[entries.length - 1];
    return {
      items: entries.map(auditView),
      nextCursor:
        entries.length === limit && last
          ? encodeCursor({ t: new Date(last.at).getTime(), e: last.entryId })
          : null,
    };
  }
}
