import type { Attributes } from '@opentelemetry/api';
import { ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT } from '../../semconv';

/** Adds `server.address` / `server.port` from a base URL an SDK was configured with; ignores what URL cannot parse. */
export function addServerAttributes(attributes: Attributes, href: string | URL | undefined): void {
  if (href === undefined || href === '') return;
  let url: URL;
  try {
    url = typeof href === 'string' ? new URL(href) : href;
  } catch {
    return;
  }
  if (url.hostname !== '') attributes[ATTR_SERVER_ADDRESS] = url.hostname;
  if (url.port !== '') attributes[ATTR_SERVER_PORT] = Number(url.port);
}
