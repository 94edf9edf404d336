// How long the simulated kubelet takes for things a real one spends wall time on. Defaults
// are those of a node that already has the image: containerd starts a container in about a
// second. Scenarios tune them globally or per pod with annotations:
//
//   netsim.io/start-delay: "3s"    time from admission on the node to the containers running
//   netsim.io/run-duration: "10s"  for restartPolicy Never/OnFailure pods: time from start to
//                                  exit 0 (phase Succeeded); Job pods default to jobPodRunDurationMs
import type { Pod } from '../api/types.js';
import { parseDuration } from '../sim/clock.js';

export const START_DELAY_ANNOTATION = 'netsim.io/start-delay';
export const RUN_DURATION_ANNOTATION = 'netsim.io/run-duration';

export interface KubeletTimings {
  /** Admission to containers running (sandbox, image present, create, start). Default 1000 ms. */
  containerStartDelayMs: number;
  /** Run time of a Job pod without `netsim.io/run-duration`. Default 5000 ms. */
  jobPodRunDurationMs: number;
}

export const DEFAULT_KUBELET_TIMINGS: KubeletTimings = {
  containerStartDelayMs: 1000,
  jobPodRunDurationMs: 5000,
};

/** The start delay of one pod: its annotation if valid, else the default. */
export function startDelayMs(pod: Pod, t: KubeletTimings): number {
  const v = pod.metadata.annotations?.[START_DELAY_ANNOTATION];
  const ms = v === undefined ? null : parseDuration(v);
  return ms === null ? t.containerStartDelayMs : ms;
}

/** How long a run-to-completion pod runs before exiting 0; undefined when it runs until deleted. */
export function runDurationMs(pod: Pod, t: KubeletTimings): number | undefined {
  const policy = pod.spec.restartPolicy ?? 'Always';
  if (policy === 'Always') return undefined;
  const v = pod.metadata.annotations?.[RUN_DURATION_ANNOTATION];
  const ms = v === undefined ? null : parseDuration(v);
  if (ms !== null) return ms;
  const ownedByJob = pod.metadata.ownerReferences?.some((o) => o.kind === 'Job' && o.controller);
  return ownedByJob ? t.jobPodRunDurationMs : undefined;
}
