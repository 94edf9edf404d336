// The workload controllers of kube-controller-manager, in the order the manager runs them.
import type { Controller, ControllerContext } from '../reconcile/controller.js';
import { DaemonSetController } from './daemonset.js';
import { DeploymentController } from './deployment.js';
import { GarbageCollector } from './garbagecollector.js';
import { HorizontalPodAutoscalerController } from './hpa.js';
import { JobController } from './job.js';
import { PodGCController } from './podgc.js';
import { ReplicaSetController } from './replicaset.js';
import { ReplicationControllerController } from './replicationcontroller.js';
import { StatefulSetController } from './statefulset.js';

export { DaemonSetController } from './daemonset.js';
export { DeploymentController } from './deployment.js';
export { rolloutStatus } from './deploymentutil.js';
export { GarbageCollector } from './garbagecollector.js';
export { CPU_USAGE_ANNOTATION, HorizontalPodAutoscalerController } from './hpa.js';
export { JobController } from './job.js';
export { PodGCController } from './podgc.js';
export { ReplicaSetController } from './replicaset.js';
export { ReplicationControllerController } from './replicationcontroller.js';
export { StatefulSetController } from './statefulset.js';

/** One instance of every workload controller; `ctx(name)` gives each its context (named as kube-controller-manager's --controllers). */
export function workloadControllers(ctx: (name: string) => ControllerContext): Controller[] {
  return [
    new DeploymentController(ctx('deployment')),
    new ReplicaSetController(ctx('replicaset')),
    new ReplicationControllerController(ctx('replicationcontroller')),
    new StatefulSetController(ctx('statefulset')),
    new DaemonSetController(ctx('daemonset')),
    new JobController(ctx('job')),
    new HorizontalPodAutoscalerController(ctx('horizontalpodautoscaling')),
    new GarbageCollector(ctx('garbagecollector')),
    new PodGCController(ctx('podgc')),
  ];
}
