import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { OidcProviderService } from './oidc-provider.service';
import { SsoAuthenticator } from './sso-authenticator.service';
import { SsoController } from './sso.controller';
import { SsoStoreRepository } from './sso-store.repository';

/** Single sign-on with OpenID Connect; inert (routes answer 404) without OIDC_ISSUER_URL. */
@Module({
  imports: [AuditModule],
  controllers: [SsoController],
  providers: [OidcProviderService, SsoStoreRepository, SsoAuthenticator],
  exports: [SsoAuthenticator],
})
export class SsoModule {}
