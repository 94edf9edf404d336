// The node side of the cluster in one place: node IPAM, the scheduler, the kubelets (pods and
// node status), node lifecycle and taint eviction, EndpointSlices, Endpoints and the
// MetalLB-like LoadBalancer controller, with the timeline's nodeDown/nodeUp.
import type { KubeletTimings } from '../kubelet/timings.js';
import { KubeletController } from '../kubelet/kubelet.js';
import { NodeStatusController } from '../kubelet/nodestatus.js';
import type { Controller, ControllerContext } from '../reconcile/controller.js';
import { SchedulerController, type SchedulerOptions } from '../scheduler/scheduler.js';
import { EndpointsController } from './endpoints.js';
import { EndpointSliceController } from './endpointslice.js';
import { LoadBalancerController } from './loadbalancer.js';
import { NodeIPAMController } from './nodeipam.js';
import { NodeLifecycleController } from './nodelifecycle.js';
import { TaintEvictionController } from './taintmanager.js';

export { KubeletController, hostIPs } from '../kubelet/kubelet.js';
export { NodeStatusController } from '../kubelet/nodestatus.js';
export { podEnvironment, serviceEnvironment, serviceEnvVars } from '../kubelet/env.js';
export { DEFAULT_KUBELET_TIMINGS, type KubeletTimings, RUN_DURATION_ANNOTATION, START_DELAY_ANNOTATION } from '../kubelet/timings.js';
export { KUBELET_STOPPED_ANNOTATION } from '../kubelet/node.js';
export { SchedulerController, type SchedulerOptions } from '../scheduler/scheduler.js';
export { EndpointsController } from './endpoints.js';
export { EndpointSliceController } from './endpointslice.js';
export { LoadBalancerController } from './loadbalancer.js';
export { NodeIPAMController } from './nodeipam.js';
export { NodeLifecycleController, nodeDown, nodeUp } from './nodelifecycle.js';
export { TaintEvictionController } from './taintmanager.js';

export interface NodeSideOptions {
  kubelet?: Partial<KubeletTimings>;
  scheduler?: SchedulerOptions;
  /** Run the legacy Endpoints controller too (default true, as kube-controller-manager does). */
  endpoints?: boolean;
}

/** Every node-side controller, each with its own context from `ctxFor(name)`, in a sensible order. */
export function nodeSideControllers(ctxFor: (name: string) => ControllerContext, opts: NodeSideOptions = {}): Controller[] {
  const out: Controller[] = [
    new NodeIPAMController(ctxFor('node-ipam-controller')),
    new NodeStatusController(ctxFor('kubelet-node-status')),
    new NodeLifecycleController(ctxFor('node-lifecycle-controller')),
    new SchedulerController(ctxFor('default-scheduler'), opts.scheduler),
    new KubeletController(ctxFor('kubelet'), opts.kubelet),
    new TaintEvictionController(ctxFor('taint-eviction-controller')),
    new EndpointSliceController(ctxFor('endpointslice-controller')),
    new LoadBalancerController(ctxFor('metallb-controller')),
  ];
  if (opts.endpoints !== false) out.push(new EndpointsController(ctxFor('endpoint-controller')));
  return out;
}
