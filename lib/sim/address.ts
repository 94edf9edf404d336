// The address forms of spec §2 (`pod/NS/NAME`, `pod/frontend-*`, `pod:app=x`, `node/N`,
// `service/NS/NAME:PORT`, DNS names, `ip/ADDR`, `external/ADDR`, `ADDR:PORT[/proto]`):
// parsing, and finding what they name in the simulated cluster.
import { UsageError, errors } from '../api/errors.js';
import { parseSelector } from '../api/labels.js';
import type { Node, Pod, Protocol, Service, ServicePort } from '../api/types.js';
import { parseIPStrict } from '../ipam/cidr.js';
import type { Store } from '../store/store.js';

export type Address =
  | { form: 'pod'; namespace: string | undefined; name: string; prefix: boolean }
  | { form: 'podSelector'; namespace: string | undefined; selector: string }
  | { form: 'node'; name: string }
  | { form: 'service'; namespace: string; name: string; port: string }
  | { form: 'dns'; name: string; port: string; protocol?: Protocol }
  | { form: 'ip'; ip: string }
  | { form: 'external'; ip: string }
  | { form: 'ipPort'; ip: string; port: number; protocol: Protocol };

const PROTOCOLS: Record<string, Protocol> = { tcp: 'TCP', udp: 'UDP', sctp: 'SCTP' };

/** Parses one address of spec §2; a malformed one is a UsageError naming the forms. */
export function parseAddress(text: string): Address {
  const bad = (why: string) => new UsageError(`invalid address ${JSON.stringify(text)}: ${why}`);
  if (text.startsWith('pod/')) {
    const parts = text.slice(4).split('/');
    if (parts.length > 2 || parts.some((p) => p === '')) throw bad('expected pod/NAME or pod/NAMESPACE/NAME');
    const name = parts[parts.length - 1]!;
    const prefix = name.endsWith('*');
    if (name.slice(0, -1).includes('*')) throw bad('only a trailing * is allowed');
    return { form: 'pod', namespace: parts.length === 2 ? parts[0] : undefined, name: prefix ? name.slice(0, -1) : name, prefix };
  }
  if (text.startsWith('pod:')) {
    let rest = text.slice(4);
    let namespace: string | undefined;
    const ns = /(?:^|,)ns:([^,]+)/.exec(rest);
    if (ns) {
      namespace = ns[1];
      rest = rest.replace(ns[0], '').replace(/^,/, '');
    }
    if (!rest) throw bad('expected pod:SELECTOR, e.g. pod:app=frontend');
    parseSelector(rest);
    return { form: 'podSelector', namespace, selector: rest };
  }
  if (text.startsWith('node/')) {
    const name = text.slice(5);
    if (!name || name.includes('/')) throw bad('expected node/NAME');
    return { form: 'node', name };
  }
  if (text.startsWith('service/')) {
    const m = /^service\/([^/]+)\/([^/:]+):([^/:]+)$/.exec(text);
    if (!m) throw bad('expected service/NAMESPACE/NAME:PORT');
    return { form: 'service', namespace: m[1]!, name: m[2]!, port: m[3]! };
  }
  if (text.startsWith('ip/') || text.startsWith('external/')) {
    const external = text.startsWith('external/');
    const ip = text.slice(external ? 9 : 3);
    const p = parseIPStrict(ip);
    if (typeof p === 'string') throw bad(p);
    return external ? { form: 'external', ip: p.text } : { form: 'ip', ip: p.text };
  }
  // ADDR:PORT[/proto] (IPv6 as [ADDR]:PORT) or NAME:PORT.
  const m = /^(\[[^\]]+\]|[^:/]+):([^:/]+)(?:\/(tcp|udp|sctp))?$/i.exec(text);
  if (!m) throw bad('expected one of pod/…, pod:…, node/…, service/NS/NAME:PORT, NAME:PORT, ip/ADDR, external/ADDR, ADDR:PORT[/tcp|/udp|/sctp]');
  const host = m[1]!.replace(/^\[|\]$/g, '');
  const protocol = m[3] ? PROTOCOLS[m[3].toLowerCase()]! : 'TCP';
  const ip = parseIPStrict(host);
  if (typeof ip !== 'string') {
    const port = Number(m[2]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad('port must be between 1 and 65535');
    return { form: 'ipPort', ip: ip.text, port, protocol };
  }
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\.?$/i.test(host)) throw bad('not a DNS name or IP address');
  if (/^\d+$/.test(m[2]!)) {
    const port = Number(m[2]);
    if (port < 1 || port > 65535) throw bad('port must be between 1 and 65535');
  }
  return { form: 'dns', name: host, port: m[2]!, ...(m[3] ? { protocol } : {}) };
}

/** Finds the pod an address names (first in name order for a prefix or selector). */
export async function findPod(store: Store, a: Address): Promise<Pod> {
  if (a.form === 'pod') {
    if (!a.prefix) {
      return store.get<Pod>('Pod', a.namespace ?? 'default', a.name);
    }
    const { items } = await store.list<Pod>('Pod', { namespace: a.namespace ?? 'default' });
    const hit = items.filter((p) => p.metadata.name!.startsWith(a.name)).sort(byName)[0];
    if (!hit) throw errors.notFound('pods', `${a.name}*`);
    return hit;
  }
  if (a.form === 'podSelector') {
    const { items } = await store.list<Pod>('Pod', { ...(a.namespace ? { namespace: a.namespace } : {}), labelSelector: a.selector });
    const hit = [...items].sort(byName)[0];
    if (!hit) throw errors.notFound('pods', `matching ${a.selector}`);
    return hit;
  }
  throw new UsageError('expected a pod (pod/NAME, pod/NS/NAME, pod/PREFIX*, pod:SELECTOR)');
}

export async function findNode(store: Store, name: string): Promise<Node> {
  return store.get<Node>('Node', undefined, name);
}

/** The Service and port a `service/NS/NAME:PORT` address names (port by number or name). */
export async function findServicePort(store: Store, namespace: string, name: string, port: string): Promise<{ service: Service; port: ServicePort }> {
  const service = await store.get<Service>('Service', namespace, name);
  const ports = service.spec.ports ?? [];
  const n = Number(port);
  const hit = Number.isInteger(n) ? ports.find((p) => p.port === n) : ports.find((p) => p.name === port);
  if (!hit) throw errors.notFound('service port', `${namespace}/${name}:${port}`);
  return { service, port: hit };
}

function byName(a: Pod, b: Pod): number {
  const x = `${a.metadata.namespace}/${a.metadata.name}`;
  const y = `${b.metadata.namespace}/${b.metadata.name}`;
  return x < y ? -1 : x > y ? 1 : 0;
}
