// framework.FitError's text: "0/N nodes are available: <histogram>." followed by the
// PostFilter plugins' messages (DynamicResources, then DefaultPreemption), as kube-scheduler
// 1.34 writes it into the FailedScheduling event and the PodScheduled condition.
import type { FilterStatus } from './filters.js';

export const ERR_NO_NODES = 'no nodes available to schedule pods';
export const PREEMPTION_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const NO_PREEMPTION_VICTIMS = 'No preemption victims found for incoming pod';
/** DynamicResources' PostFilter answer for a pod without resource claims. */
export const NO_CLAIMS_TO_DEALLOCATE = 'no new claims to deallocate';

/** The reasons as "<count> <reason>" sorted as strings (sortReasonsHistogram), joined by ", ". */
export function reasonHistogram(reasons: Iterable<string>): string {
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const lines = [...counts].map(([r, c]) => `${c} ${r}`);
  lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return lines.join(', ');
}

/**
 * The message for a pod no node fits. Preemption finds no victims where a node failed for a
 * resolvable reason (all pods here share one priority) and is "not helpful" where it failed
 * for an unresolvable one.
 */
export function fitErrorMessage(numAllNodes: number, statuses: Iterable<FilterStatus>): string {
  const reasons: string[] = [];
  const preemption: string[] = [];
  for (const s of statuses) {
    reasons.push(...s.reasons);
    preemption.push(s.code === 'UnschedulableAndUnresolvable' ? PREEMPTION_NOT_HELPFUL : NO_PREEMPTION_VICTIMS);
  }
  const head = `0/${numAllNodes} nodes are available:`;
  const hist = reasonHistogram(reasons);
  const pre = reasonHistogram(preemption);
  return `${head}${hist ? ` ${hist}.` : ''} ${NO_CLAIMS_TO_DEALLOCATE}, preemption: ${head}${pre ? ` ${pre}.` : ''}`;
}
