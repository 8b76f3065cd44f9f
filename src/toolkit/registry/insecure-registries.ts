/**
 * The `insecure-registries` input shared by the actions that talk to registries. The client
 * (http-session.ts) lets these hosts, and loopback, use plain HTTP; every other host needs HTTPS.
 */
import { InputError } from '../errors';
import { parseList } from '../inputs';

const INSECURE_HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]{1,5})?$/;

/**
 * The `insecure-registries` input: `host`, `host:port` or `http://host[:port]`, comma or newline
 * separated; anything else is refused (it would never match a registry).
 */
export function parseInsecureRegistries(name: string, value: string): string[] {
  const fix = 'List registry hosts as host or host:port (for example registry.internal:5000), without https:// or a path';
  return parseList(value).map((entry) => {
    let host = entry;
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(entry);
    if (scheme) {
      if (scheme[1].toLowerCase() !== 'http') throw new InputError(name, `'${entry}' is not a plain-HTTP host`, fix);
      host = entry.slice(scheme[0].length).replace(/\/$/, '');
    }
    if (!INSECURE_HOST.test(host)) throw new InputError(name, `'${entry}' is not a host name`, fix);
    return host;
  });
}
