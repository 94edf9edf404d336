// The ReplicaSet controller (kube-controller-manager's `replicaset` controller): a
// ReplicaManager over apps/v1 ReplicaSets, whose selector is a metav1.LabelSelector.
import { selectorFromLabelSelector } from '../api/labels.js';
import type { ReplicaSet } from '../api/types.js';
import type { ControllerContext } from '../reconcile/controller.js';
import { ReplicaManager } from './replicas.js';

/** Keeps every ReplicaSet's pods at `spec.replicas`; events come from `replicaset-controller`. */
export class ReplicaSetController extends ReplicaManager<ReplicaSet> {
  constructor(ctx: ControllerContext) {
    super('replicaset', ctx, {
      kind: 'ReplicaSet',
      component: 'replicaset-controller',
      selector: (rs) => selectorFromLabelSelector(rs.spec.selector),
      template: (rs) => rs.spec.template,
    });
  }
}
