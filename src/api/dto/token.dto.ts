import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsOptional,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { Grant } from '../../auth/access';
import { TOKEN_ROLES, TokenRole } from '../../auth/actor';
import { TokenSpec } from '../../auth/tokens.service';
import { DomainError, FieldProblem } from '../../jobs/domain-error';
import { DEFAULT_NAMESPACE, isValidNamespace } from '../../namespaces/namespace';
import { IsJobName } from './validators';

export const MAX_GRANTS = 100;

const NAMESPACE_RULE =
  'must be a namespace name: 1-63 characters of a-z, 0-9 and -, starting and ending with a letter or digit';

/** An ISO 8601 date and time with a zone (`2027-01-31T00:00:00Z`), in the future. */
function IsFutureDateTime(): PropertyDecorator {
  return ValidateBy({
    name: 'isFutureDateTime',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' &&
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(value) &&
        Date.parse(value) > Date.now(),
      defaultMessage: (args) =>
        typeof args?.value === 'string' && Date.parse(args.value) <= Date.now()
          ? 'must be in the future'
          : 'must be an ISO 8601 date-time with a zone, such as 2027-01-31T00:00:00Z',
    },
  });
}

export class GrantDto {
  @ApiProperty({ example: 'team-b' })
  @ValidateBy({
    name: 'isNamespace',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && isValidNamespace(value),
      defaultMessage: () => NAMESPACE_RULE,
    },
  })
  namespace!: string;

  @ApiProperty({ enum: TOKEN_ROLES })
  @IsIn(TOKEN_ROLES, { message: `must be one of ${TOKEN_ROLES.join(', ')}` })
  role!: TokenRole;
}

/**
 * `{name, grants, expiresAt?}`, `{name, clusterAdmin: true, expiresAt?}`, or the shape from
 * before namespaces, `{name, role}`: that role in namespace `default`.
 */
export class CreateTokenDto {
  @ApiProperty({
    description: 'Who or what uses the token; shown in the audit log.',
    example: 'ci-deployer',
  })
  @IsJobName({
    message: 'must be 1-128 characters of [A-Za-z0-9._-], starting with a letter or digit',
  })
  name!: string;

  @ApiPropertyOptional({ type: [GrantDto], description: 'A role in each namespace.' })
  @IsOptional()
  @IsArray({ message: 'must be an array of {namespace, role}' })
  @ArrayMinSize(1, { message: 'must hold at least one grant' })
  @ArrayMaxSize(MAX_GRANTS, { message: `must hold at most ${MAX_GRANTS} grants` })
  @ValidateNested({ each: true })
  @Type(() => GrantDto)
  grants?: GrantDto[];

  @ApiPropertyOptional({
    enum: [true],
    description: 'Every role in every namespace, and the cluster (only a cluster-admin gives it).',
  })
  @IsOptional()
  @IsIn([true], { message: 'must be true when given' })
  clusterAdmin?: true;

  @ApiPropertyOptional({
    enum: TOKEN_ROLES,
    deprecated: true,
    description: 'The shape before namespaces: this role in namespace `default`.',
  })
  @IsOptional()
  @IsIn(TOKEN_ROLES, { message: `must be one of ${TOKEN_ROLES.join(', ')}` })
  role?: TokenRole;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'From then on the token is refused (401 "token expired").',
  })
  @IsOptional()
  @IsFutureDateTime()
  expiresAt?: string;
}

/** The token a validated request asks for, or a 400 naming the field and the reason. */
export function tokenSpecOf(body: CreateTokenDto): TokenSpec {
  const given = (['grants', 'clusterAdmin', 'role'] as const).filter((k) => body[k] !== undefined);
  if (given.length !== 1) {
    throw DomainError.invalid([
      {
        field: 'grants',
        reason:
          given.length === 0
            ? 'is required: give grants [{namespace, role}] (or clusterAdmin: true, or role)'
            : `give one of grants, clusterAdmin and role, not ${given.join(' and ')}`,
      },
    ]);
  }
  const grants: Grant[] =
    body.grants?.map(({ namespace, role }) => ({ namespace, role })) ??
    (body.role !== undefined ? [{ namespace: DEFAULT_NAMESPACE, role: body.role }] : []);
  const problems: FieldProblem[] = [];
  grants.forEach((grant, index) => {
    if (grants.findIndex((other) => other.namespace === grant.namespace) !== index)
      problems.push({
        field: `grants.${index}.namespace`,
        reason: `namespace "${grant.namespace}" is granted twice; give one role per namespace`,
      });
  });
  if (problems.length > 0) throw DomainError.invalid(problems);
  return {
    name: body.name,
    grants,
    clusterAdmin: body.clusterAdmin === true,
    ...(body.expiresAt !== undefined ? { expiresAt: new Date(body.expiresAt).toISOString() } : {}),
  };
}

export class GrantView {
  @ApiProperty() namespace!: string;
  @ApiProperty({ enum: TOKEN_ROLES }) role!: TokenRole;
}

export class TokenView {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiPropertyOptional({
    enum: TOKEN_ROLES,
    description: 'Its role in namespace `default` (cluster-admin: admin), as before namespaces.',
  })
  role?: TokenRole;
  @ApiProperty({ type: [GrantView] }) grants!: GrantView[];
  @ApiProperty() clusterAdmin!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiresAt!: string | null;
  @ApiProperty({ description: 'Past its expiresAt: refused, kept until revoked.' })
  expired!: boolean;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Last use seen by a master (updated at most about once a minute).',
  })
  lastUsedAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty() createdBy!: string;
}

export class CreatedTokenView extends TokenView {
  @ApiProperty({ description: 'The secret: shown only in this response.' }) token!: string;
}

export class WhoAmIView {
  @ApiProperty() name!: string;
  @ApiPropertyOptional({
    enum: TOKEN_ROLES,
    description: 'Its role in namespace `default` (cluster-admin: admin); absent without one.',
  })
  role?: TokenRole;
  @ApiProperty() clusterAdmin!: boolean;
  @ApiProperty({ type: [GrantView] }) grants!: GrantView[];
}
