// Cluster IP traffic: the KUBE-SERVICES capture rule (nat), or REJECT/DROP in filter when
// there is nowhere to send it, and the masquerade rule that heads the internal chain.
import { ifNotLocal, ruleHead } from './localdetector.js';
import type { ServicePortPlan, WriterContext } from './plan.js';
import { commentMatch } from './savefmt.js';
import type { RulesBuilder } from './servicerules.js';

/** ` -j REJECT --reject-with icmp-port-unreachable` or ` -j DROP`, as iptables-save prints them. */
export function filterTarget(target: 'REJECT' | 'DROP'): string {
  return target === 'REJECT' ? ' -j REJECT --reject-with icmp-port-unreachable' : ' -j DROP';
}

/**
 * Writes the cluster IP capture rule; returns the masquerade rule line for the head of the
 * internal chain (masqueradeAll: all traffic; with a detector: off-cluster sources; else none).
 */
export function writeClusterIPRules(plan: ServicePortPlan, ctx: WriterContext, b: RulesBuilder): string | null {
  const info = plan.info;
  const p = plan.proto;
  const dport = ` -m ${p} --dport ${info.port}`;
  const cipComment = commentMatch(`${info.name} cluster IP`);
  if (plan.hasInternalEndpoints) {
    b.natServices += `${ruleHead('KUBE-SERVICES', { dst: info.clusterIP, proto: p })}${cipComment}${dport} -j ${plan.internalChain}\n`;
    b.natRuleCount++;
  } else {
    const f = plan.internalFilter!;
    b.filterServices += `${ruleHead('KUBE-SERVICES', { dst: info.clusterIP, proto: p })}${commentMatch(f.comment)}${dport}${filterTarget(f.target)}\n`;
    b.filterRuleCount++;
    return null;
  }
  if (ctx.masqueradeAll) {
    return `${ruleHead(plan.internalChain, { dst: info.clusterIP, proto: p })}${cipComment}${dport} -j KUBE-MARK-MASQ\n`;
  }
  if (ctx.detector !== null) {
    return `${ruleHead(plan.internalChain, ifNotLocal(ctx.detector, { dst: info.clusterIP, proto: p }))}${cipComment}${dport} -j KUBE-MARK-MASQ\n`;
  }
  return null;
}
