// `netsim get KIND [NAME] -f FILE`: kubectl-like view of the converged state.
import { stringify } from 'yaml';
import { ExitCode, UsageError, errors } from '../api/errors.js';
import type { KubeObject } from '../api/meta.js';
import { type KindInfo, resolveResource } from '../api/types.js';
import type { CommandIO } from './main.js';
import { simulationFor } from './simulate.js';
import { PRINTERS } from './printers.js';
import { renderTable } from './table.js';

export async function getCommand(a: { values: Record<string, unknown>; positionals: string[] }, io: CommandIO): Promise<number> {
  // `get pod/NAME` as kubectl takes it, as well as `get pod NAME`.
  const [first, ...rest] = a.positionals;
  const slash = first?.indexOf('/') ?? -1;
  const [resource, name, ...extra] = slash > 0 ? [first!.slice(0, slash), first!.slice(slash + 1), ...rest] : a.positionals;
  if (!resource) throw new UsageError('get needs a kind: netsim get KIND [NAME] -f FILE');
  if (extra.length) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  const file = a.values.filename as string | undefined;
  if (!file) throw new UsageError('get needs the scenario: -f FILE');
  const infos = resource.split(',').map((r) => {
    const info = resolveResource(r);
    if (!info) throw errors.badRequest(`the server doesn't have a resource type "${r}"`);
    return info;
  });
  const output = (a.values.output as string | undefined) ?? (a.values.json ? 'json' : '');
  if (!['', 'wide', 'yaml', 'json', 'name'].includes(output)) throw new UsageError(`unable to match a printer suitable for the output format "${output}", allowed formats are: json,name,wide,yaml`);
  const all = a.values['all-namespaces'] === true;
  if (all && name) throw new UsageError('a resource cannot be retrieved by name across all namespaces');
  const multi = infos.length > 1;

  const sim = await simulationFor(a, 'get');
  // Ages as seen when the cluster settled (or at --at).
  const now = a.values.at !== undefined ? sim.clock.now() : sim.settledAt();

  const groups: { info: KindInfo; namespace: string | undefined; items: KubeObject[] }[] = [];
  for (const info of infos) {
    const namespace = info.namespaced ? (all ? undefined : ((a.values.namespace as string | undefined) ?? 'default')) : undefined;
    let items: KubeObject[];
    if (name) {
      items = [await sim.api.get(info.kind, namespace, name)];
    } else {
      const opts = { ...(namespace ? { namespace } : {}), ...(a.values.selector ? { labelSelector: a.values.selector as string } : {}) };
      items = (await sim.api.list(info.kind, opts)).items;
      if (info.kind === 'Event') items = [...items].sort((x, y) => String(x.lastTimestamp).localeCompare(String(y.lastTimestamp)));
    }
    groups.push({ info, namespace, items });
  }
  const everything = groups.flatMap((g) => g.items);

  if (output === 'json' || output === 'yaml') {
    const doc = name && !multi ? everything[0] : { apiVersion: 'v1', kind: 'List', items: everything, metadata: { resourceVersion: '' } };
    io.out(output === 'json' ? JSON.stringify(doc, null, 2) : stringify(doc).trimEnd());
    return ExitCode.OK;
  }
  if (output === 'name') {
    for (const g of groups) for (const o of g.items) io.out(`${qualifiedKind(g.info)}/${o.metadata.name}`);
    return ExitCode.OK;
  }
  if (everything.length === 0) {
    const ns = groups[0]!.namespace;
    io.err(ns ? `No resources found in ${ns} namespace.` : 'No resources found');
    return ExitCode.OK;
  }
  const wide = output === 'wide';
  const tables: string[] = [];
  for (const { info, items } of groups) {
    if (!items.length) continue;
    const printer = PRINTERS[info.kind];
    if (!printer) throw errors.badRequest(`no table view for ${info.kind}; use -o yaml`);
    const nsCol = all && info.namespaced;
    const headers = [...(nsCol ? ['NAMESPACE'] : []), ...printer.headers, ...(wide ? printer.wideHeaders : [])];
    const rows = items.map((o) => {
      const r = printer.row(o, { wide, now });
      // As kubectl with several kinds: names carry their kind.
      if (multi) r.cells[0] = `${qualifiedKind(info)}/${r.cells[0]}`;
      return [...(nsCol ? [o.metadata.namespace ?? ''] : []), ...r.cells, ...(wide ? r.wide : [])];
    });
    tables.push(renderTable(headers, rows));
  }
  io.out(tables.join('\n\n'));
  return ExitCode.OK;
}

/** `pod`, `service`, `deployment.apps`, `endpointslice.discovery.k8s.io`: how kubectl names a kind. */
function qualifiedKind(info: KindInfo): string {
  const group = info.apiVersion.includes('/') ? info.apiVersion.split('/')[0] : '';
  return `${info.kind.toLowerCase()}${group ? `.${group}` : ''}`;
}
