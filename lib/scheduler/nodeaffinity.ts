// Node selectors and node affinity as k8s.io/component-helpers/scheduling/corev1/nodeaffinity
// evaluates them: terms are ORed, the requirements of a term ANDed; matchFields supports
// metadata.name; Gt/Lt compare integers; a term without requirements matches nothing.
import type { Node, NodeSelectorRequirement, NodeSelectorTerm, Pod } from '../api/types.js';

function parseInt64(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) ? Number(s) : undefined;
}

/** One requirement against a label map (NodeSelectorRequirementsAsSelector semantics). */
export function requirementMatches(r: NodeSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const v = has ? labels[r.key]! : undefined;
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return has && values.includes(v!);
    case 'NotIn':
      return !has || !values.includes(v!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || values.length !== 1) return false;
      const a = parseInt64(v!);
      const b = parseInt64(values[0]!);
      if (a === undefined || b === undefined) return false;
      return r.operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

/** A term matches when it has requirements and all of them hold (fields: metadata.name only). */
export function termMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  for (const r of exprs) if (!requirementMatches(r, labels)) return false;
  for (const r of fields) {
    // Only metadata.name is a selectable node field; anything else never matches.
    if (r.key !== 'metadata.name') return false;
    if (!requirementMatches(r, { 'metadata.name': node.metadata.name! })) return false;
  }
  return true;
}

/** GetRequiredNodeAffinity(pod).Match(node): spec.nodeSelector AND required node affinity terms. */
export function podMatchesNodeSelectorAndAffinity(pod: Pod, node: Node): boolean {
  const sel = pod.spec.nodeSelector;
  if (sel) {
    const labels = node.metadata.labels ?? {};
    for (const k of Object.keys(sel)) if (labels[k] !== sel[k]) return false;
  }
  const terms = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms) {
    let any = false;
    for (const t of terms) {
      if (termMatches(t, node)) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  return true;
}

/** True when the pod constrains nodes at all (nodeSelector or required affinity). */
export function hasRequiredNodeAffinity(pod: Pod): boolean {
  return !!(pod.spec.nodeSelector && Object.keys(pod.spec.nodeSelector).length) ||
    !!pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
}

/** NodeAffinity Score: the sum of weights of the preferred terms the node matches. */
export function preferredAffinityScore(pod: Pod, node: Node): number {
  let score = 0;
  for (const p of pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
    if (p.weight !== 0 && termMatches(p.preference, node)) score += p.weight;
  }
  return score;
}
