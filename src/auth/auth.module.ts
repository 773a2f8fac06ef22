import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuditModule } from '../audit/audit.module';
import { AuthGuard } from './auth.guard';
import { TokensRepository } from './tokens.repository';
import { TokensService } from './tokens.service';

/** Bearer tokens with roles, checked on every route of the process that loads this module. */
@Module({
  imports: [AuditModule],
  providers: [TokensRepository, TokensService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [TokensService],
})
export class AuthModule {}
