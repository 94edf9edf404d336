// The state summary `netsim run` prints after converging: nodes with pod CIDRs, pods with IPs
// on their nodes, Services with cluster IPs and node ports, EndpointSlices, and the
// environment the kubelet gives one application pod (service links).
import type { KubeObject } from '../api/meta.js';
import type { Pod, Service } from '../api/types.js';
import { podEnvironment } from '../kubelet/env.js';
import type { Simulation } from '../sim/simulation.js';
import { PRINTERS } from './printers.js';
import { renderTable } from './table.js';

/** Rows shown per table before "… and N more". */
export const SUMMARY_ROWS = 25;

const VIEWS: { title: string; kind: string; columns: string[]; get: string }[] = [
  { title: 'NODES', kind: 'Node', columns: ['NAME', 'STATUS', 'ROLES', 'INTERNAL-IP', 'POD-CIDR'], get: 'nodes -o wide' },
  { title: 'PODS', kind: 'Pod', columns: ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'IP', 'NODE'], get: 'pods -A -o wide' },
  { title: 'SERVICES', kind: 'Service', columns: ['NAMESPACE', 'NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)'], get: 'services -A' },
  { title: 'ENDPOINTSLICES', kind: 'EndpointSlice', columns: ['NAMESPACE', 'NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS'], get: 'endpointslices -A' },
];

/** Lines of the summary for a converged simulation. */
export async function stateSummary(sim: Simulation, file: string): Promise<string[]> {
  const out: string[] = [];
  const now = sim.settledAt();
  for (const v of VIEWS) {
    const items = (await sim.api.list(v.kind)).items;
    const printer = PRINTERS[v.kind]!;
    const headers = ['NAMESPACE', ...printer.headers, ...printer.wideHeaders];
    const pick = v.columns.map((c) => headers.indexOf(c));
    const rows = items.slice(0, SUMMARY_ROWS).map((o: KubeObject) => {
      const r = printer.row(o, { wide: true, now });
      const cells = [o.metadata.namespace ?? '', ...r.cells, ...r.wide];
      return pick.map((i) => cells[i] ?? '');
    });
    out.push('', v.title);
    out.push(...renderTable(v.columns, rows).split('\n').map((l) => `  ${l}`));
    if (items.length > SUMMARY_ROWS) out.push(`  … and ${items.length - SUMMARY_ROWS} more (netsim get ${v.get} -f ${file})`);
  }
  const pod = await firstApplicationPod(sim);
  if (pod) {
    const services = (await sim.api.list<Service>('Service')).items;
    const env = podEnvironment(pod, services);
    out.push('', `ENVIRONMENT of pod ${pod.metadata.namespace}/${pod.metadata.name} (container ${pod.spec.containers[0]!.name}), as the kubelet sets it`);
    for (const e of env) out.push(`  ${e.name}=${e.value}`);
  }
  return out;
}

/** The first running pod (name order) outside the system namespaces. */
async function firstApplicationPod(sim: Simulation): Promise<Pod | undefined> {
  const pods = (await sim.api.list<Pod>('Pod')).items;
  return pods.find((p) => !p.metadata.namespace?.startsWith('kube-') && p.status?.phase === 'Running');
}
