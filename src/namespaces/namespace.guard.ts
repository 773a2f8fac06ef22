import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { checkedNamespace } from './namespace';
import { NamespacesService } from './namespaces.service';

/**
 * Routes under `/api/v1/namespaces/:ns/...`: 400 for a malformed name, 404 for a namespace that
 * does not exist (the same answer as for one the token holds no grant in).
 */
@Injectable()
export class NamespaceGuard implements CanActivate {
  constructor(private readonly namespaces: NamespacesService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const params = context.switchToHttp().getRequest<{ params: Record<string, string> }>().params;
    await this.namespaces.get(checkedNamespace(params));
    return true;
  }
}
