// `netsim rules -f FILE --node NODE [--format iptables-save|ipvsadm|nft] [--at TIME]`: the
// rules kube-proxy would program on a node, in the real tool's own text format.
import { ExitCode, UsageError } from '../api/errors.js';
import { Dataplane } from '../sim/dataplane.js';
import { findNode } from '../sim/address.js';
import type { CommandIO } from './main.js';
import { simulationFor } from './simulate.js';

type Args = { values: Record<string, unknown>; positionals: string[] };

const FORMATS = ['iptables-save', 'ipvsadm', 'nft'];
const DEFAULT_FORMAT: Record<string, string> = { iptables: 'iptables-save', ipvs: 'ipvsadm', nftables: 'nft' };

export async function rulesCommand(a: Args, io: CommandIO): Promise<number> {
  if (a.positionals.length) throw new UsageError(`unexpected arguments: ${a.positionals.join(' ')}`);
  const node = a.values.node as string | undefined;
  if (!node) throw new UsageError('rules needs a node: --node NODE');
  const asked = a.values.format as string | undefined;
  if (asked !== undefined && !FORMATS.includes(asked)) throw new UsageError(`--format: unsupported format ${JSON.stringify(asked)}: must be one of ${FORMATS.join(', ')}`);
  const sim = await simulationFor(a, 'rules');
  const mode = sim.scenario.cluster.proxy.mode;
  const format = asked ?? DEFAULT_FORMAT[mode]!;
  if (format !== 'iptables-save') throw new UsageError(`--format ${format}: not implemented yet in this version (only iptables-save)`);
  if (mode !== 'iptables') throw new UsageError(`cluster.proxy.mode ${mode}: its rules are not implemented yet in this version (only iptables)`);
  await findNode(sim.api, node);
  const dp = await Dataplane.of(sim);
  const render = dp.kubeRules.nodeRuleset(dp.nodeView(node)).render();
  if (a.values.json) io.out(JSON.stringify({ node, format, natRules: render.natRules, filterRules: render.filterRules, text: render.text }));
  else io.out(render.text.trimEnd());
  return ExitCode.OK;
}
