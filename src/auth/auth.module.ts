import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { MongooseModule } from '@nestjs/mongoose';
import { AuditModule } from '../audit/audit.module';
import { SsoModule } from '../sso/sso.module';
import { AuthGuard } from './auth.guard';
import { TokenUsage, TokenUsageSchema } from './token-usage.schema';
import { TokenUsageService } from './token-usage.service';
import { TokensRepository } from './tokens.repository';
import { TokensService } from './tokens.service';

/** Bearer tokens with grants, checked on every route of the process that loads this module. */
@Module({
  imports: [
    AuditModule,
    SsoModule,
    MongooseModule.forFeature([{ name: TokenUsage.name, schema: TokenUsageSchema }]),
  ],
  providers: [
    TokensRepository,
    TokensService,
    TokenUsageService,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [TokensService],
})
export class AuthModule {}
