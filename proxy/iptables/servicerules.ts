// Everything one service port contributes to a node's ruleset, written once and cached:
// lines for the shared top-level chains plus its own nat chains (SVC/SVL/EXT/FW/SEP).
import type { ServicePortEntry } from '../model.js';
import type { CategorizedEndpoints } from '../topology.js';
import { writeClusterIPRules } from './clusterip.js';
import { writeEndpointChains, writePolicyChain } from './endpointchains.js';
import { writeExternalRules } from './external.js';
import { planServicePort, type WriterContext } from './plan.js';

/** One nat chain of a service port, its rules as iptables-save lines (each ending in "\n"). */
export interface ChainText {
  readonly name: string;
  readonly rules: string;
}

/** A service port's rules on one node; strings are iptables-save lines, each ending in "\n". */
export interface ServicePortRules {
  readonly natServices: string;
  readonly natNodePorts: string;
  readonly filterServices: string;
  readonly filterExternalServices: string;
  readonly filterNodePorts: string;
  readonly filterProxyFirewall: string;
  /** The service port's own nat chains (any order; the dump sorts by name). */
  readonly natChains: readonly ChainText[];
  /** nat rules written, kube-proxy's sync_proxy_rules_iptables_total{table="nat"} share. */
  readonly natRuleCount: number;
  readonly filterRuleCount: number;
}

/**
 * Returns `s` after making V8 flatten it: rule text is built by concatenation (rope
 * strings), and a cached rope would be re-walked on every dump join.
 */
export function flatten(s: string): string {
  s.charCodeAt(0);
  return s;
}

/** Mutable accumulator the per-kind writers append to. */
export class RulesBuilder {
  natServices = '';
  natNodePorts = '';
  filterServices = '';
  filterExternalServices = '';
  filterNodePorts = '';
  filterProxyFirewall = '';
  natChains: ChainText[] = [];
  natRuleCount = 0;
  filterRuleCount = 0;

  /** Adds a whole nat chain. */
  chain(name: string, rules: string, count: number): void {
    this.natChains.push({ name, rules: flatten(rules) });
    this.natRuleCount += count;
  }

  done(): ServicePortRules {
    this.natServices = flatten(this.natServices);
    this.natNodePorts = flatten(this.natNodePorts);
    this.filterServices = flatten(this.filterServices);
    this.filterExternalServices = flatten(this.filterExternalServices);
    this.filterNodePorts = flatten(this.filterNodePorts);
    this.filterProxyFirewall = flatten(this.filterProxyFirewall);
    return this;
  }
}

/** Writes all rules of one service port for a node whose endpoint categorization is `cat`. */
export function writeServicePortRules(entry: ServicePortEntry, cat: CategorizedEndpoints, ctx: WriterContext): ServicePortRules {
  const plan = planServicePort(entry, cat);
  const b = new RulesBuilder();
  const masq = writeClusterIPRules(plan, ctx, b);
  writeExternalRules(plan, ctx, b);
  if (plan.usesClusterPolicyChain) {
    const head = plan.internalChain === plan.clusterPolicyChain ? masq : null;
    writePolicyChain(plan, plan.clusterPolicyChain, cat.clusterEndpoints, head, ctx, b);
  }
  if (plan.usesLocalPolicyChain) {
    const head = plan.internalChain === plan.localPolicyChain ? masq : null;
    writePolicyChain(plan, plan.localPolicyChain, cat.localEndpoints, head, ctx, b);
  }
  writeEndpointChains(plan, cat.allReachableEndpoints, ctx, b);
  return b.done();
}
