// Whether a pod fits a node by name, node selector, required node affinity and taints, as
// component-helpers' scheduling/corev1 (ToleratesTaint, FindMatchingUntoleratedTaint,
// GetRequiredNodeAffinity().Match) that the DaemonSet controller uses.
import type { Node, NodeSelectorRequirement, NodeSelectorTerm, PodSpec, Taint, Toleration } from '../api/types.js';

/** ToleratesTaint: effect and key must agree when set; Equal compares values, Exists does not. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? 'Equal') {
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/** FindMatchingUntoleratedTaint: the first taint passing `filter` that no toleration tolerates. */
export function findUntoleratedTaint(taints: readonly Taint[] | undefined, tolerations: readonly Toleration[] | undefined, filter: (t: Taint) => boolean): Taint | undefined {
  for (const taint of taints ?? []) {
    if (!filter(taint)) continue;
    if (!(tolerations ?? []).some((t) => toleratesTaint(t, taint))) return taint;
  }
  return undefined;
}

function intValue(s: string): number | undefined {
  return /^-?\d+$/.test(s) ? Number(s) : undefined;
}

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const vals = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && vals.includes(value);
    case 'NotIn':
      return value === undefined || !vals.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || vals.length !== 1) return false;
      const have = intValue(value);
      const want = intValue(vals[0]!);
      if (have === undefined || want === undefined) return false;
      return r.operator === 'Gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

/** One NodeSelectorTerm: all expressions on labels and all fields (metadata.name) must hold; an empty term matches nothing. */
export function nodeSelectorTermMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  for (const r of exprs) {
    const has = Object.hasOwn(labels, r.key);
    if (!requirementMatches(r, has ? labels[r.key] : undefined)) return false;
  }
  for (const r of fields) {
    if (r.key !== 'metadata.name') return false;
    if (r.operator !== 'In' && r.operator !== 'NotIn') return false;
    if (!requirementMatches(r, node.metadata.name)) return false;
  }
  return true;
}

/** GetRequiredNodeAffinity(pod).Match(node): nodeSelector labels and any required affinity term. */
export function podMatchesNodeAffinity(spec: PodSpec, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return (required.nodeSelectorTerms ?? []).some((t) => nodeSelectorTermMatches(t, node));
}

/** GetTargetNodeName: spec.nodeName, else the node of the first `metadata.name In [x]` affinity field. */
export function targetNodeName(spec: PodSpec): string | undefined {
  if (spec.nodeName) return spec.nodeName;
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  for (const term of terms ?? []) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In') return f.values?.length === 1 ? f.values[0] : undefined;
    }
  }
  return undefined;
}
