import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AuditService } from '../../audit/audit.service';
import { Actor } from '../../auth/actor';
import { CurrentActor } from '../../auth/current-actor.decorator';
import { RequireRole } from '../../auth/require-role.decorator';
import { TokensService } from '../../auth/tokens.service';
import { DomainError } from '../../jobs/domain-error';
import {
  AuditPageView,
  AuditQueryDto,
  CreateTokenDto,
  CreatedTokenView,
  ErrorView,
  TokenView,
  WhoAmIView,
} from '../dto/misc.dto';
import { decodeCursor, encodeCursor } from '../dto/query';
import { auditView } from '../views';
import { ApiCommonResponses } from './api-docs';
import { V1 } from './http-types';

/** The caller's identity, tokens (admin only) and the audit log. */
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
  @ApiOperation({ summary: 'The calling token: its name and role (what the console may show)' })
  @ApiOkResponse({ type: WhoAmIView })
  whoami(@CurrentActor() actor: Actor): WhoAmIView {
    return { name: actor.name, role: actor.role };
  }

  @Post('tokens')
  @RequireRole('admin')
  @ApiOperation({ summary: 'Create a token; its secret is in this response only' })
  @ApiCreatedResponse({ type: CreatedTokenView })
  createToken(
    @Body() body: CreateTokenDto,
    @CurrentActor() actor: Actor,
  ): Promise<CreatedTokenView> {
    return this.tokens.create(body.name, body.role, actor);
  }

  @Get('tokens')
  @RequireRole('admin')
  @ApiOperation({ summary: 'List tokens (never their secrets)' })
  @ApiOkResponse({ type: [TokenView] })
  listTokens(): Promise<TokenView[]> {
    return this.tokens.list();
  }

  @Delete('tokens/:id')
  @RequireRole('admin')
  @ApiOperation({ summary: 'Revoke a token' })
  @ApiOkResponse({ type: TokenView })
  @ApiNotFoundResponse({ type: ErrorView })
  revokeToken(@Param('id') id: string, @CurrentActor() actor: Actor): Promise<TokenView> {
    if (!/^[0-9a-f]{16}$/.test(id))
      throw DomainError.invalid([{ field: 'id', reason: 'must be 16 hex digits' }]);
    return this.tokens.revoke(id, actor);
  }

  @Get('audit')
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Changes made through the API, newest first' })
  @ApiOkResponse({ type: AuditPageView })
  async listAudit(@Query() query: AuditQueryDto): Promise<AuditPageView> {
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
    const entries = await this.audit.find({ job: query.job, action: query.action, before, limit });
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
