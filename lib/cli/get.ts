// `netsim get KIND [NAME] -f FILE`: kubectl-like view of the converged state.
import { stringify } from 'yaml';
import { ExitCode, UsageError, errors } from '../api/errors.js';
import type { KubeObject } from '../api/meta.js';
import { resolveResource } from '../api/types.js';
import type { CommandIO } from './main.js';
import { simulationFor } from './simulate.js';
import { PRINTERS } from './printers.js';
import { renderTable } from './table.js';

export async function getCommand(a: { values: Record<string, unknown>; positionals: string[] }, io: CommandIO): Promise<number> {
  const [resource, name, ...extra] = a.positionals;
  if (!resource) throw new UsageError('get needs a kind: netsim get KIND [NAME] -f FILE');
  if (extra.length) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  const file = a.values.filename as string | undefined;
  if (!file) throw new UsageError('get needs the scenario: -f FILE');
  const info = resolveResource(resource);
  if (!info) throw errors.badRequest(`the server doesn't have a resource type "${resource}"`);
  const output = (a.values.output as string | undefined) ?? (a.values.json ? 'json' : '');
  if (!['', 'wide', 'yaml', 'json', 'name'].includes(output)) throw new UsageError(`unable to match a printer suitable for the output format "${output}", allowed formats are: json,name,wide,yaml`);
  const all = a.values['all-namespaces'] === true;
  if (all && name) throw new UsageError('a resource cannot be retrieved by name across all namespaces');
  const namespace = info.namespaced ? (all ? undefined : ((a.values.namespace as string | undefined) ?? 'default')) : undefined;

  const sim = await simulationFor(a, 'get');

  let items: KubeObject[];
  if (name) {
    items = [await sim.api.get(info.kind, namespace, name)];
  } else {
    const opts = { ...(namespace ? { namespace } : {}), ...(a.values.selector ? { labelSelector: a.values.selector as string } : {}) };
    items = (await sim.api.list(info.kind, opts)).items;
    if (info.kind === 'Event') items = [...items].sort((x, y) => String(x.lastTimestamp).localeCompare(String(y.lastTimestamp)));
  }

  if (output === 'json' || output === 'yaml') {
    const doc = name ? items[0] : { apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } };
    io.out(output === 'json' ? JSON.stringify(doc, null, 2) : stringify(doc).trimEnd());
    return ExitCode.OK;
  }
  if (output === 'name') {
    for (const o of items) io.out(`${info.resource.replace(/s$/, '')}${info.apiVersion.includes('/') ? `.${info.apiVersion.split('/')[0]}` : ''}/${o.metadata.name}`);
    return ExitCode.OK;
  }
  if (items.length === 0) {
    io.err(namespace ? `No resources found in ${namespace} namespace.` : 'No resources found');
    return ExitCode.OK;
  }
  const printer = PRINTERS[info.kind];
  if (!printer) throw errors.badRequest(`no table view for ${info.kind}; use -o yaml`);
  const wide = output === 'wide';
  // Ages as seen when the cluster settled (or at --at).
  const now = a.values.at !== undefined ? sim.clock.now() : sim.settledAt();
  const headers = [...(all && info.namespaced ? ['NAMESPACE'] : []), ...printer.headers, ...(wide ? printer.wideHeaders : [])];
  const rows = items.map((o) => {
    const r = printer.row(o, { wide, now });
    return [...(all && info.namespaced ? [o.metadata.namespace ?? ''] : []), ...r.cells, ...(wide ? r.wide : [])];
  });
  io.out(renderTable(headers, rows));
  return ExitCode.OK;
}
