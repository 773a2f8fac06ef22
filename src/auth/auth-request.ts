import { Actor } from './actor';

/** The parts of an HTTP request the auth layer reads, and the actor it attaches. */
export interface AuthRequest {
  path: string;
  method?: string;
  headers: Record<string, string | string[] | undefined>;
  /** The client's address (express `req.ip`). */
  ip?: string;
  socket?: { remoteAddress?: string };
  /** The matched route's parameters (`:ns` names the namespace). */
  params?: Record<string, string | undefined>;
  actor?: Actor;
}
