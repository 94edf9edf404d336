// External destinations — external IPs, load-balancer IPs, NodePorts — and their chains:
// KUBE-EXT- (eTP=Cluster masquerades everything; eTP=Local short-circuits pods and the host
// to all endpoints and sends the rest to local ones), KUBE-FW- for loadBalancerSourceRanges,
// and the filter-table REJECT/DROP, firewall DROP and health-check ACCEPT rules.
import type { ServicePortInfo } from '../serviceport.js';
import { cidrContains } from '../sloppyip.js';
import { filterTarget } from './clusterip.js';
import { ifLocal, ruleHead } from './localdetector.js';
import type { ServicePortPlan, WriterContext } from './plan.js';
import { commentMatch } from './savefmt.js';
import type { RulesBuilder } from './servicerules.js';

/** Writes every rule for the service port's external destinations. */
export function writeExternalRules(plan: ServicePortPlan, ctx: WriterContext, b: RulesBuilder): void {
  writeExternalIPRules(plan, b);
  writeLoadBalancerRules(plan, b);
  writeNodePortRules(plan, ctx, b);
  writeHealthCheckRule(plan, b);
  if (plan.usesExternalChain) writeExternalChain(plan, ctx, b);
  if (plan.usesFirewallChain) writeFirewallChain(plan, ctx, b);
}

function writeExternalIPRules(plan: ServicePortPlan, b: RulesBuilder): void {
  const info = plan.info;
  const p = plan.proto;
  const dport = ` -m ${p} --dport ${info.port}`;
  for (const ip of info.externalIPs) {
    if (plan.cat.hasAnyEndpoints) {
      b.natServices += `-A KUBE-SERVICES -d ${ip}/32 -p ${p}${commentMatch(`${info.name} external IP`)}${dport} -j ${plan.externalChain}\n`;
      b.natRuleCount++;
    }
    const f = plan.externalFilter;
    if (f !== null) {
      b.filterExternalServices += `-A KUBE-EXTERNAL-SERVICES -d ${ip}/32 -p ${p}${commentMatch(f.comment)}${dport}${filterTarget(f.target)}\n`;
      b.filterRuleCount++;
    }
  }
}

function writeLoadBalancerRules(plan: ServicePortPlan, b: RulesBuilder): void {
  const info = plan.info;
  const p = plan.proto;
  const dport = ` -m ${p} --dport ${info.port}`;
  for (const ip of info.loadBalancerVIPs) {
    if (plan.cat.hasAnyEndpoints) {
      b.natServices += `-A KUBE-SERVICES -d ${ip}/32 -p ${p}${commentMatch(`${info.name} loadbalancer IP`)}${dport} -j ${plan.loadBalancerChain}\n`;
      b.natRuleCount++;
    }
    if (plan.usesFirewallChain) {
      const c = commentMatch(`${info.name} traffic not accepted by ${plan.firewallChain}`);
      b.filterProxyFirewall += `-A KUBE-PROXY-FIREWALL -d ${ip}/32 -p ${p}${c}${dport} -j DROP\n`;
      b.filterRuleCount++;
    }
  }
  const f = plan.externalFilter;
  if (f === null) return;
  for (const ip of info.loadBalancerVIPs) {
    b.filterExternalServices += `-A KUBE-EXTERNAL-SERVICES -d ${ip}/32 -p ${p}${commentMatch(f.comment)}${dport}${filterTarget(f.target)}\n`;
    b.filterRuleCount++;
  }
}

function writeNodePortRules(plan: ServicePortPlan, ctx: WriterContext, b: RulesBuilder): void {
  const info = plan.info;
  if (info.nodePort === 0) return;
  const p = plan.proto;
  const dport = ` -m ${p} --dport ${info.nodePort}`;
  if (plan.cat.hasAnyEndpoints) {
    const c = commentMatch(info.name);
    if (ctx.localhostNodePorts && ctx.nfacct) {
      // libxt_nfacct prints the name after two spaces.
      b.natNodePorts += `-A KUBE-NODEPORTS -d 127.0.0.0/8 -p ${p}${c}${dport} -m nfacct --nfacct-name  localhost_nps_accepted_pkts -j ${plan.externalChain}\n`;
      b.natRuleCount++;
    }
    b.natNodePorts += `-A KUBE-NODEPORTS -p ${p}${c}${dport} -j ${plan.externalChain}\n`;
    b.natRuleCount++;
  }
  const f = plan.externalFilter;
  if (f !== null) {
    b.filterExternalServices += `-A KUBE-EXTERNAL-SERVICES -p ${p}${commentMatch(f.comment)} -m addrtype --dst-type LOCAL${dport}${filterTarget(f.target)}\n`;
    b.filterRuleCount++;
  }
}

function writeHealthCheckRule(plan: ServicePortPlan, b: RulesBuilder): void {
  const info = plan.info;
  if (info.healthCheckNodePort === 0) return;
  // Accepted whether or not this node has local endpoints: the LB's probe must get an answer.
  b.filterNodePorts += `-A KUBE-NODEPORTS -p tcp${commentMatch(`${info.name} health check node port`)} -m tcp --dport ${info.healthCheckNodePort} -j ACCEPT\n`;
  b.filterRuleCount++;
}

function writeExternalChain(plan: ServicePortPlan, ctx: WriterContext, b: RulesBuilder): void {
  const name = plan.info.name;
  const ext = plan.externalChain;
  let rules = '';
  let count = 0;
  if (!plan.info.externalPolicyLocal) {
    // Endpoints may be on other nodes: masquerade so replies come back through this node.
    rules += `-A ${ext}${commentMatch(`masquerade traffic for ${name} external destinations`)} -j KUBE-MARK-MASQ\n`;
    count++;
  } else {
    if (ctx.detector !== null) {
      // Pods reaching an external destination go to any endpoint, as if via the real LB.
      rules += `${ruleHead(ext, ifLocal(ctx.detector, {}))}${commentMatch(`pod traffic for ${name} external destinations`)} -j ${plan.clusterPolicyChain}\n`;
      count++;
    }
    // The host's own traffic has a local (maybe VIP) source address: masquerade it, send it anywhere.
    rules += `-A ${ext}${commentMatch(`masquerade LOCAL traffic for ${name} external destinations`)} -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ\n`;
    rules += `-A ${ext}${commentMatch(`route LOCAL traffic for ${name} external destinations`)} -m addrtype --src-type LOCAL -j ${plan.clusterPolicyChain}\n`;
    count += 2;
  }
  if (plan.hasExternalEndpoints) {
    rules += `-A ${ext} -j ${plan.externalPolicyChain}\n`;
    count++;
  }
  b.chain(ext, rules, count);
}

function writeFirewallChain(plan: ServicePortPlan, ctx: WriterContext, b: RulesBuilder): void {
  const info = plan.info;
  const fw = plan.firewallChain;
  const c = commentMatch(`${info.name} loadbalancer IP`);
  let rules = '';
  let count = 0;
  for (const cidr of info.loadBalancerSourceRanges) {
    rules += `-A ${fw} -s ${cidr.text}${c} -j ${plan.externalChain}\n`;
    count++;
  }
  // A VIP bound on the node loops back with the VIP as source: let that through too.
  if (firewallAllowsNode(info, ctx.nodeIP)) {
    for (const ip of info.loadBalancerVIPs) {
      rules += `-A ${fw} -s ${ip}/32${c} -j ${plan.externalChain}\n`;
      count++;
    }
  }
  rules += `-A ${fw}${commentMatch(`other traffic to ${info.name} will be dropped by KUBE-PROXY-FIREWALL`)}\n`;
  count++;
  b.chain(fw, rules, count);
}

/** Whether a source range of the port contains the node's primary IP (the FW chain then differs per node). */
export function firewallAllowsNode(info: ServicePortInfo, nodeIP: number | null): boolean {
  if (nodeIP === null) return false;
  return info.loadBalancerSourceRanges.some((c) => cidrContains(c, nodeIP));
}
