// Load balancing: a policy chain (KUBE-SVC- or KUBE-SVL-) spreading connections over its
// endpoints with statistic-mode probabilities 1/(n-i) (ClientIP affinity checked first with
// the recent module), and one KUBE-SEP- chain per endpoint: hairpin masquerade, then DNAT.
import type { EndpointInfo } from '../endpoints.js';
import { sepNamesOf } from './chainnames.js';
import type { ServicePortPlan, WriterContext } from './plan.js';
import { commentMatch, saveProbability } from './savefmt.js';
import type { RulesBuilder } from './servicerules.js';

/** Writes a policy chain: `head` (the cluster-IP masquerade rule) first, then the endpoint jumps. */
export function writePolicyChain(
  plan: ServicePortPlan,
  chain: string,
  endpoints: readonly EndpointInfo[],
  head: string | null,
  ctx: WriterContext,
  b: RulesBuilder,
): void {
  const info = plan.info;
  const seps = sepNamesOf(plan.entry.endpoints, plan.names.seps, endpoints);
  let rules = head ?? '';
  let count = head === null ? 0 : 1;
  const n = endpoints.length;
  const prefix = `-A ${chain}`;
  if (info.sessionAffinityClientIP) {
    const seconds = ` -m recent --rcheck --seconds ${info.stickyMaxAgeSeconds} --reap --name `;
    for (let i = 0; i < n; i++) {
      const sep = seps[i]!;
      const comment = ctx.largeClusterMode ? '' : commentMatch(`${info.name} -> ${endpoints[i]!.endpoint}`);
      rules += `${prefix}${comment}${seconds}${sep} --mask 255.255.255.255 --rsource -j ${sep}\n`;
    }
    count += n;
  }
  for (let i = 0; i < n; i++) {
    const comment = ctx.largeClusterMode ? '' : commentMatch(`${info.name} -> ${endpoints[i]!.endpoint}`);
    // 1/(n-i) of what is left, so every endpoint gets 1/n; the last jump is unconditional.
    const stat = i < n - 1 ? ` -m statistic --mode random --probability ${saveProbability(n - i)}` : '';
    rules += `${prefix}${comment}${stat} -j ${seps[i]}\n`;
  }
  count += n;
  b.chain(chain, rules, count);
}

/** Writes the KUBE-SEP- chain of every endpoint this node can reach. */
export function writeEndpointChains(plan: ServicePortPlan, endpoints: readonly EndpointInfo[], ctx: WriterContext, b: RulesBuilder): void {
  const info = plan.info;
  const p = plan.proto;
  const seps = sepNamesOf(plan.entry.endpoints, plan.names.seps, endpoints);
  const comment = ctx.largeClusterMode ? '' : commentMatch(info.name);
  // Constant middles of the two rules, so each chain costs few concatenations.
  const hairpinTail = `/32${comment} -j KUBE-MARK-MASQ\n-A `;
  const dnatHead = ` -p ${p}${comment}`;
  const dnatTail = ` -m ${p} -j DNAT --to-destination `;
  for (let i = 0; i < endpoints.length; i++) {
    const ep = endpoints[i]!;
    const sep = seps[i]!;
    const affinity = info.sessionAffinityClientIP ? ` -m recent --set --name ${sep} --mask 255.255.255.255 --rsource` : '';
    b.chain(sep, `-A ${sep} -s ${ep.ip}${hairpinTail}${sep}${dnatHead}${affinity}${dnatTail}${ep.endpoint}\n`, 2);
  }
}
