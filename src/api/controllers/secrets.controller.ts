import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Put,
  UseGuards,
} from '@nestjs/common';
import {
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiTags,
} from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { Actor } from '../../auth/actor';
import { CurrentActor } from '../../auth/current-actor.decorator';
import { RequireRole } from '../../auth/require-role.decorator';
import { ClusterScoped } from '../../auth/cluster-scoped.decorator';
import { DomainError } from '../../jobs/domain-error';
import { isValidJobName } from '../../jobs/job.model';
import { CurrentNamespace } from '../../namespaces/namespace';
import { NamespaceGuard } from '../../namespaces/namespace.guard';
import { SecretsService, SecretView } from '../../secrets/secrets.service';
import { ErrorView } from '../dto/misc.dto';
import { ApiCommonResponses } from './api-docs';
import { V1 } from './http-types';

class SecretValueDto {
  @ApiProperty({ description: 'The value; never shown again, anywhere.', writeOnly: true })
  @IsString()
  @MinLength(1, { message: 'must not be empty' })
  @MaxLength(65536)
  value!: string;
}

class SecretViewDto implements SecretView {
  @ApiProperty() name!: string;
  @ApiProperty() namespace!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty() updatedBy!: string;
}

function checkedName(name: string): string {
  if (!isValidJobName(name))
    throw DomainError.invalid([
      {
        field: 'name',
        reason: 'must be 1-128 characters of [A-Za-z0-9._-], starting with a letter or digit',
      },
    ]);
  return name;
}

/** `/api/v1/namespaces/{ns}/secrets`: write-only values; lists show names, who and when. */
@ApiTags('secrets')
@ApiCommonResponses()
@Controller(`${V1}/namespaces/:ns/secrets`)
@UseGuards(NamespaceGuard)
export class SecretsController {
  constructor(private readonly secrets: SecretsService) {}

  @Get()
  @RequireRole('viewer')
  @ApiOperation({
    summary: "A namespace's secrets: names, who changed each and when (never values)",
  })
  @ApiOkResponse({ type: [SecretViewDto] })
  list(@CurrentNamespace() namespace: string): Promise<SecretView[]> {
    return this.secrets.list(namespace);
  }

  @Put(':name')
  @RequireRole('admin')
  @ApiOperation({ summary: 'Set a secret (created or replaced); the value is never returned' })
  @ApiOkResponse({ type: SecretViewDto })
  put(
    @CurrentNamespace() namespace: string,
    @Param('name') name: string,
    @Body() body: SecretValueDto,
    @CurrentActor() actor: Actor,
  ): Promise<SecretView> {
    return this.secrets.put(namespace, checkedName(name), body.value, actor);
  }

  @Delete(':name')
  @RequireRole('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a secret (jobs that refer to it then fail with the reason)' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorView })
  async remove(
    @CurrentNamespace() namespace: string,
    @Param('name') name: string,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    await this.secrets.remove(namespace, checkedName(name), actor);
  }
}

/** `POST /api/v1/secrets/rotate-key`: every secret's data key wrapped by the current key. */
@ApiTags('secrets')
@ApiCommonResponses()
@Controller(`${V1}/secrets`)
export class SecretKeysController {
  constructor(private readonly secrets: SecretsService) {}

  @Post('rotate-key')
  @RequireRole('admin')
  @ClusterScoped()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Re-encrypt every data key under CRON_SECRETS_KEY_FILE (see docs/secrets.md)',
  })
  rotate(@CurrentActor() actor: Actor): Promise<{ rewrapped: number; current: number }> {
    return this.secrets.rotate(actor);
  }
}
