import assert from 'node:assert/strict';
import { ChangeTracker } from '../../proxy/changetracker.js';
import { clusterIPService } from './fixtures.js';

describe('proxy/changetracker', () => {
  it('keeps only the latest object per Service and per slice until checkout', () => {
    const t = new ChangeTracker();
    const [svc, slice] = clusterIPService('ns1', 'svc1', '172.30.0.41', ['10.180.0.1']);
    const [svc2, slice2] = clusterIPService('ns1', 'svc1', '172.30.0.42', ['10.180.0.2']);
    t.onServiceAdd(svc);
    t.onServiceUpdate(svc, svc2);
    t.onEndpointSliceAdd(slice);
    t.onEndpointSliceUpdate(slice, slice2);
    assert.equal(t.pending, 2);
    const c = t.checkout();
    assert.equal(c.services.get('ns1/svc1'), svc2);
    assert.equal(c.slices.get('ns1/svc1-1'), slice2);
    assert.equal(t.pending, 0);
    assert.equal(t.checkout().services.size, 0);
  });

  it('records deletions as null, overriding earlier adds', () => {
    const t = new ChangeTracker();
    const [svc, slice] = clusterIPService('ns1', 'svc1', '172.30.0.41', ['10.180.0.1']);
    t.onServiceAdd(svc);
    t.onServiceDelete(svc);
    t.onEndpointSliceAdd(slice);
    t.onEndpointSliceDelete(slice);
    const c = t.checkout();
    assert.equal(c.services.get('ns1/svc1'), null);
    assert.equal(c.slices.get('ns1/svc1-1'), null);
  });
});
