// The ReplicationController controller (`replicationcontroller`): the ReplicaSet controller
// adapted, as upstream does it, to v1 ReplicationControllers and their map selectors.
import { selectorFromSet } from '../api/labels.js';
import type { ReplicationController } from '../api/types.js';
import type { ControllerContext } from '../reconcile/controller.js';
import { ReplicaManager } from './replicas.js';

/** Keeps every ReplicationController's pods at `spec.replicas`; events come from `replication-controller`. */
export class ReplicationControllerController extends ReplicaManager<ReplicationController> {
  constructor(ctx: ControllerContext) {
    super('replicationcontroller', ctx, {
      kind: 'ReplicationController',
      component: 'replication-controller',
      // The API server defaults an absent selector to the template's labels.
      selector: (rc) => selectorFromSet(rc.spec.selector ?? rc.spec.template?.metadata?.labels ?? {}),
      template: (rc) => rc.spec.template,
    });
  }
}
