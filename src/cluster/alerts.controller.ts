import { BadRequestException, Controller, Get, Query, UseGuards } from '@nestjs/common';
import { jobId } from '../etcd/etcd-keys';
import { CurrentNamespace } from '../namespaces/namespace';
import { NamespaceGuard } from '../namespaces/namespace.guard';
import { ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { BadCursorError, AlertPage, AlertsRepository } from '../alerts/alerts.repository';
import { DELIVERY_STATES, DeliveryState } from '../alerts/schemas/alert.schema';
import { RequireRole } from '../auth/require-role.decorator';

class ListAlertsQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() job?: string;
  @ApiPropertyOptional({ enum: DELIVERY_STATES })
  @IsOptional()
  @IsIn(DELIVERY_STATES)
  state?: DeliveryState;
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  cursor?: string;
}

@ApiTags('alerts')
@Controller(['api/v1/alerts', 'api/v1/namespaces/:ns/alerts'])
@UseGuards(NamespaceGuard)
export class AlertsController {
  constructor(private readonly alerts: AlertsRepository) {}

  @Get()
  @RequireRole('viewer')
  @ApiOperation({
    summary: "A namespace's alerts, newest first, with their webhook delivery status",
  })
  @ApiOkResponse({ description: '{items, nextCursor}' })
  async list(
    @Query() query: ListAlertsQuery,
    @CurrentNamespace() namespace: string,
  ): Promise<AlertPage> {
    try {
      return await this.alerts.list({
        namespace,
        job: query.job === undefined ? undefined : jobId(namespace, query.job),
        state: query.state,
        limit: query.limit ?? 50,
        cursor: query.cursor,
      });
    } catch (error) {
      if (error instanceof BadCursorError) throw new BadRequestException(error.message);
      throw error;
    }
  }
}
