// Service validation as core validation's ValidateService and ValidateServiceUpdate, plus the
// allocator's range checks (cluster IP in the service CIDRs, node ports in the node-port range)
// when the cluster's ranges are given.
import { type FieldError, field } from '../errors.js';
import { isQualifiedName, validateLabels } from '../labels.js';
import { duplicateGo, goServicePortKey, goStringSlice, invalidGo } from './govalue.js';
import { cidrFamily, cidrHas, ipFamilyOf, parseCIDRSloppy, validateCIDR, validateIP, validateNonSpecialIP } from './ip.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { eachInvalid, isDNS1123Label, isDNS1123Subdomain, isValidPortNum, nameIsDNS1035Label } from './names.js';
import { PROTOCOLS, missing, validatePortNumOrName } from './podspec.js';
import { type Errs, type Obj, arr, bool, child, deepEqual, eachObj, index, int, intOrString, isObj, obj, str, strList } from './values.js';

/** Cluster settings that the service allocator checks. */
export interface ServiceRanges {
  /** Service CIDRs (one per family); a clusterIP must lie in the one of its family. */
  serviceCIDRs?: string[];
  /** Node-port range, as the API server's --service-node-port-range (base 30000, size 2768). */
  nodePortRange?: { base: number; size: number };
}

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const SESSION_AFFINITIES = ['ClientIP', 'None'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const IP_FAMILIES = ['IPv4', 'IPv6'];
const IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
// PreferSameZone/PreferSameNode: PreferSameTrafficDistribution, beta and on since 1.34.
const TRAFFIC_DISTRIBUTIONS = ['PreferClose', 'PreferSameNode', 'PreferSameZone'];
const KUBELET_PORT = 10250;
const MAX_CLIENT_IP_AFFINITY_SECONDS = 86400;
const LB_SOURCE_RANGES_ANNOTATION = 'service.beta.kubernetes.io/load-balancer-source-ranges';

const clusterIPsOf = (spec: Obj): string[] => (Array.isArray(spec.clusterIPs) ? spec.clusterIPs.filter((x) => typeof x === 'string') : []);
const isHeadless = (spec: Obj) => {
  const ips = clusterIPsOf(spec);
  return ips.length === 1 && ips[0] === 'None';
};
/** apiservice.ExternallyAccessible: LoadBalancer, NodePort, or ClusterIP with external IPs. */
export function externallyAccessible(spec: Obj): boolean {
  const type = spec.type;
  return type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0);
}
const needsHealthCheck = (spec: Obj) => spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';

function validateServicePort(sp: Obj, requireName: boolean, names: Set<string>, path: string, errs: Errs): void {
  const name = str(sp.name, child(path, 'name'), errs) ?? '';
  if (requireName && name.length === 0) errs.push(field.required(child(path, 'name'), ''));
  else if (name.length !== 0) {
    errs.push(...eachInvalid(child(path, 'name'), name, isDNS1123Label(name)));
    if (names.has(name)) errs.push(field.duplicate(child(path, 'name'), name));
    else names.add(name);
  }
  const port = int(sp.port, child(path, 'port'), errs);
  if (port !== undefined || missing(sp.port)) errs.push(...eachInvalid(child(path, 'port'), port ?? 0, isValidPortNum(port ?? 0)));
  const proto = str(sp.protocol, child(path, 'protocol'), errs) ?? '';
  if (proto === '') {
    if (missing(sp.protocol)) errs.push(field.required(child(path, 'protocol'), ''));
  } else if (!(PROTOCOLS as readonly string[]).includes(proto)) errs.push(field.notSupported(child(path, 'protocol'), proto, PROTOCOLS));
  const tp = intOrString(sp.targetPort, child(path, 'targetPort'), errs);
  if (tp !== undefined || missing(sp.targetPort)) errs.push(...validatePortNumOrName(tp ?? 0, child(path, 'targetPort')));
  const ap = str(sp.appProtocol, child(path, 'appProtocol'), errs);
  if (ap !== undefined) errs.push(...eachInvalid(child(path, 'appProtocol'), ap, isQualifiedName(ap)));
}

/** ValidateServiceClusterIPsRelatedFields: clusterIP/clusterIPs agree, families and policy are sane. */
function validateClusterIPsRelatedFields(spec: Obj, errs: Errs): void {
  if (spec.type === 'ExternalName') return;
  const ipsPath = 'spec.clusterIPs';
  const clusterIP = typeof spec.clusterIP === 'string' ? spec.clusterIP : '';
  const ips = clusterIPsOf(spec);
  if (clusterIP.length !== 0) {
    if (ips.length === 0) errs.push(field.required(ipsPath, ''));
    else if (ips[0] !== clusterIP) errs.push(invalidGo(ipsPath, ips, goStringSlice(ips), 'first value must match `clusterIP`'));
  } else if (ips.length !== 0) {
    errs.push(invalidGo(ipsPath, ips, goStringSlice(ips), 'must be empty when `clusterIP` is not specified'));
  }
  const families = strList(spec.ipFamilies, 'spec.ipFamilies', errs) ?? [];
  const seen = new Set<string>();
  families.forEach((f, i) => {
    if (!IP_FAMILIES.includes(f)) errs.push(field.notSupported(index('spec.ipFamilies', i), f, IP_FAMILIES));
    if (seen.has(f)) errs.push(field.duplicate(index('spec.ipFamilies', i), f));
    seen.add(f);
  });
  const policy = str(spec.ipFamilyPolicy, 'spec.ipFamilyPolicy', errs);
  if (policy !== undefined && !IP_FAMILY_POLICIES.includes(policy)) errs.push(field.notSupported('spec.ipFamilyPolicy', policy, IP_FAMILY_POLICIES));
  let hasInvalid = false;
  ips.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (ips.length > 1) {
        hasInvalid = true;
        errs.push(invalidGo(ipsPath, ips, goStringSlice(ips), "'None' must be the first and only value"));
      }
      return;
    }
    const e = validateIP(index(ipsPath, i), ip);
    if (e.length) hasInvalid = true;
    errs.push(...e);
  });
  if (ips.length > 2) errs.push(invalidGo(ipsPath, ips, goStringSlice(ips), 'may only hold up to 2 values'));
  if (hasInvalid) return;
  if (ips.length > 1) {
    const fams = new Set(ips.map((ip) => ipFamilyOf(ip)));
    if (fams.size < 2) errs.push(invalidGo(ipsPath, ips, goStringSlice(ips), 'may specify no more than one IP for each IP family'));
  }
  if (!isHeadless(spec) && ips.length > 0 && families.length > 0) {
    ips.forEach((ip, i) => {
      if (i > families.length - 1) return;
      const fam = ipFamilyOf(ip);
      if (families[i] === 'IPv4' && fam === 'IPv6') errs.push(field.invalid(index(ipsPath, i), ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      if (families[i] === 'IPv6' && fam !== 'IPv6') errs.push(field.invalid(index(ipsPath, i), ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
    });
  }
}

/** The allocator's checks on user-chosen addresses and ports (it runs before validation upstream). */
function validateRanges(spec: Obj, ranges: ServiceRanges, errs: Errs): void {
  const cidrs = (ranges.serviceCIDRs ?? []).map((c) => parseCIDRSloppy(c)).filter((c) => c !== undefined);
  if (cidrs.length && spec.type !== 'ExternalName') {
    const ips = clusterIPsOf(spec);
    for (const ip of ips) {
      if (ip === 'None') continue;
      const family = ipFamilyOf(ip);
      if (!family) continue;
      const ofFamily = cidrs.filter((c) => cidrFamily(c) === family);
      if (ofFamily.some((c) => cidrHas(c, ip))) continue;
      const why = ofFamily.length
        ? `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${ofFamily[0]!.text}`
        : `${family} is not configured on this cluster`;
      errs.push(invalidGo('spec.clusterIPs', ips, goStringSlice(ips), `failed to allocate IP ${ip}: ${why}`));
      break;
    }
  }
  const range = ranges.nodePortRange;
  if (range) {
    const last = range.base + range.size - 1;
    const why = `provided port is not in the valid range. The range of valid ports is ${range.base}-${last}`;
    const inRange = (p: number) => p >= range.base && p <= last;
    (Array.isArray(spec.ports) ? spec.ports : []).forEach((p, i) => {
      if (isObj(p) && typeof p.nodePort === 'number' && p.nodePort !== 0 && !inRange(p.nodePort)) {
        errs.push(field.invalid(child(index('spec.ports', i), 'nodePort'), p.nodePort, why));
      }
    });
    const hc = spec.healthCheckNodePort;
    if (typeof hc === 'number' && hc !== 0 && needsHealthCheck(spec) && !inRange(hc)) {
      errs.push(field.invalid('spec.healthCheckNodePort', hc, `failed to allocate requested HealthCheck NodePort ${hc}: ${why}`));
    }
  }
}

/** ValidateService (create). */
export function validateService(svc: Obj, ranges: ServiceRanges = {}): FieldError[] {
  const errs: Errs = validateObjectMeta(svc.metadata, true, nameIsDNS1035Label);
  const meta = isObj(svc.metadata) ? svc.metadata : {};
  const ann = isObj(meta.annotations) ? meta.annotations : {};
  const hints = ann['service.kubernetes.io/topology-aware-hints'];
  const mode = ann['service.kubernetes.io/topology-mode'];
  if (typeof hints === 'string' && typeof mode === 'string' && hints !== mode) {
    errs.push(
      field.invalid('metadata.annotations[service.kubernetes.io/topology-mode]', mode, 'must match annotations[service.kubernetes.io/topology-aware-hints] when both are specified'),
    );
  }
  const spec = obj(svc.spec, 'spec', errs) ?? {};
  const ports = arr(spec.ports, 'spec.ports', errs) ?? [];
  const type = str(spec.type, 'spec.type', errs) ?? '';
  const headless = isHeadless(spec);
  if (ports.length === 0 && !headless && type !== 'ExternalName') errs.push(field.required('spec.ports', ''));
  const portObjs = ports.map((p) => (isObj(p) ? p : {}));
  switch (type) {
    case 'LoadBalancer':
      portObjs.forEach((p, i) => {
        if (p.port === KUBELET_PORT) {
          errs.push(field.invalid(index('spec.ports', i), KUBELET_PORT, `may not expose port ${KUBELET_PORT} externally since it is used by kubelet`));
        }
      });
      if (headless) errs.push(field.invalid('spec.clusterIPs[0]', 'None', "may not be set to 'None' for LoadBalancer services"));
      break;
    case 'NodePort':
      if (headless) errs.push(field.invalid('spec.clusterIPs[0]', 'None', "may not be set to 'None' for NodePort services"));
      break;
    case 'ExternalName': {
      if (clusterIPsOf(spec).length > 0) errs.push(field.forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
      if (Array.isArray(spec.ipFamilies) && spec.ipFamilies.length > 0) errs.push(field.forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
      if (!missing(spec.ipFamilyPolicy)) errs.push(field.forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
      // A CNAME may end with a dot, meaning fully qualified.
      const raw = str(spec.externalName, 'spec.externalName', errs) ?? '';
      const cname = raw.endsWith('.') ? raw.slice(0, -1) : raw;
      if (cname.length > 0) errs.push(...eachInvalid('spec.externalName', cname, isDNS1123Subdomain(cname)));
      else errs.push(field.required('spec.externalName', ''));
      break;
    }
  }
  const names = new Set<string>();
  eachObj(ports, 'spec.ports', errs, (p, pp) => validateServicePort(p, ports.length > 1, names, pp, errs));
  if (spec.selector !== undefined && spec.selector !== null) errs.push(...validateLabels(spec.selector, 'spec.selector'));

  const affinity = str(spec.sessionAffinity, 'spec.sessionAffinity', errs) ?? '';
  if (affinity === '') errs.push(field.required('spec.sessionAffinity', ''));
  else if (!SESSION_AFFINITIES.includes(affinity)) errs.push(field.notSupported('spec.sessionAffinity', affinity, SESSION_AFFINITIES));
  const cfgPath = 'spec.sessionAffinityConfig';
  if (affinity === 'ClientIP') {
    const when = 'when session affinity type is ClientIP';
    const cfg = obj(spec.sessionAffinityConfig, cfgPath, errs);
    const clientIP = cfg ? obj(cfg.clientIP, child(cfgPath, 'clientIP'), errs) : undefined;
    const toPath = child(child(cfgPath, 'clientIP'), 'timeoutSeconds');
    if (!cfg) errs.push(field.required(cfgPath, when));
    else if (!clientIP) errs.push(field.required(child(cfgPath, 'clientIP'), when));
    else {
      const timeout = int(clientIP.timeoutSeconds, toPath, errs);
      if (timeout === undefined) {
        if (missing(clientIP.timeoutSeconds)) errs.push(field.required(toPath, when));
      } else if (timeout <= 0 || timeout > MAX_CLIENT_IP_AFFINITY_SECONDS) {
        errs.push(field.invalid(toPath, timeout, `must be greater than 0 and less than ${MAX_CLIENT_IP_AFFINITY_SECONDS}`));
      }
    }
  } else if (affinity === 'None' && !missing(spec.sessionAffinityConfig)) {
    errs.push(field.forbidden(cfgPath, 'must not be set when session affinity is None'));
  }

  validateClusterIPsRelatedFields(spec, errs);

  (strList(spec.externalIPs, 'spec.externalIPs', errs) ?? []).forEach((ip, i) => {
    const p = index('spec.externalIPs', i);
    const e = validateIP(p, ip);
    errs.push(...(e.length ? e : validateNonSpecialIP(p, ip)));
  });

  if (type === '') errs.push(field.required('spec.type', ''));
  else if (!SERVICE_TYPES.includes(type)) errs.push(field.notSupported('spec.type', type, SERVICE_TYPES));

  if (type === 'ClusterIP') {
    portObjs.forEach((p, i) => {
      if (typeof p.nodePort === 'number' && p.nodePort !== 0) errs.push(field.forbidden(child(index('spec.ports', i), 'nodePort'), "may not be used when `type` is 'ClusterIP'"));
    });
  }
  const nodePorts = new Set<string>();
  portObjs.forEach((p, i) => {
    if (typeof p.nodePort !== 'number' || p.nodePort === 0) return;
    const k = `${String(p.protocol ?? '')}/${p.nodePort}`;
    if (nodePorts.has(k)) errs.push(field.duplicate(child(index('spec.ports', i), 'nodePort'), p.nodePort));
    nodePorts.add(k);
  });
  const portKeys = new Set<string>();
  portObjs.forEach((p, i) => {
    const protocol = typeof p.protocol === 'string' ? p.protocol : '';
    const port = typeof p.port === 'number' ? p.port : 0;
    const k = `${protocol}/${port}`;
    if (portKeys.has(k)) errs.push(duplicateGo(index('spec.ports', i), { protocol, port }, goServicePortKey(protocol, port)));
    portKeys.add(k);
  });

  // Upstream names this path with a capital L.
  const rangesPath = 'spec.LoadBalancerSourceRanges';
  const sourceRanges = strList(spec.loadBalancerSourceRanges, 'spec.loadBalancerSourceRanges', errs) ?? [];
  if (sourceRanges.length > 0) {
    if (type !== 'LoadBalancer') errs.push(field.forbidden(rangesPath, "may only be used when `type` is 'LoadBalancer'"));
    // Historical accident: values may be padded with spaces.
    sourceRanges.forEach((r, i) => {
      errs.push(...validateCIDR(index(rangesPath, i), r.trim()));
    });
  } else if (typeof ann[LB_SOURCE_RANGES_ANNOTATION] === 'string') {
    const annPath = `metadata.annotations[${LB_SOURCE_RANGES_ANNOTATION}]`;
    if (type !== 'LoadBalancer') errs.push(field.forbidden(annPath, "may only be used when `type` is 'LoadBalancer'"));
    const val = (ann[LB_SOURCE_RANGES_ANNOTATION] as string).trim();
    if (val !== '') for (const r of val.split(',')) errs.push(...validateCIDR(annPath, r.trim()));
  }

  const alloc = bool(spec.allocateLoadBalancerNodePorts, 'spec.allocateLoadBalancerNodePorts', errs);
  if (alloc !== undefined && type !== 'LoadBalancer') errs.push(field.forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"));
  // Upstream reports this one without the `spec.` prefix.
  if (type === 'LoadBalancer' && missing(spec.allocateLoadBalancerNodePorts)) errs.push(field.required('allocateLoadBalancerNodePorts', ''));

  const lbClass = str(spec.loadBalancerClass, 'spec.loadBalancerClass', errs);
  if (type === 'LoadBalancer') {
    if (lbClass !== undefined) errs.push(...eachInvalid('spec.loadBalancerClass', lbClass, isQualifiedName(lbClass)));
  } else if (lbClass !== undefined) {
    errs.push(field.forbidden('spec.loadBalancerClass', "may only be used when `type` is 'LoadBalancer'"));
  }

  const etp = str(spec.externalTrafficPolicy, 'spec.externalTrafficPolicy', errs) ?? '';
  if (!externallyAccessible(spec)) {
    if (etp !== '') errs.push(field.invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  } else if (etp === '') errs.push(field.required('spec.externalTrafficPolicy', ''));
  else if (!TRAFFIC_POLICIES.includes(etp)) errs.push(field.notSupported('spec.externalTrafficPolicy', etp, TRAFFIC_POLICIES));
  const hc = int(spec.healthCheckNodePort, 'spec.healthCheckNodePort', errs) ?? 0;
  if (!needsHealthCheck(spec)) {
    if (hc !== 0) errs.push(field.invalid('spec.healthCheckNodePort', hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
  } else if (hc === 0) errs.push(field.required('spec.healthCheckNodePort', ''));
  else errs.push(...eachInvalid('spec.healthCheckNodePort', hc, isValidPortNum(hc)));

  const itp = str(spec.internalTrafficPolicy, 'spec.internalTrafficPolicy', errs);
  if (itp === undefined) {
    if (missing(spec.internalTrafficPolicy) && (type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP')) {
      errs.push(field.required('spec.internalTrafficPolicy', ''));
    }
  } else if (!TRAFFIC_POLICIES.includes(itp)) errs.push(field.notSupported('spec.internalTrafficPolicy', itp, TRAFFIC_POLICIES));

  const td = str(spec.trafficDistribution, 'spec.trafficDistribution', errs);
  if (td !== undefined && !TRAFFIC_DISTRIBUTIONS.includes(td)) errs.push(field.notSupported('spec.trafficDistribution', td, TRAFFIC_DISTRIBUTIONS));

  validateRanges(spec, ranges, errs);
  return errs;
}

/** ValidateServiceUpdate: clusterIPs and ipFamilies may only grow or shrink at the secondary, and so on. */
export function validateServiceUpdate(svc: Obj, old: Obj, ranges: ServiceRanges = {}): FieldError[] {
  const errs: Errs = validateObjectMetaUpdate(svc.metadata, old.metadata);
  const spec = isObj(svc.spec) ? svc.spec : {};
  const oldSpec = isObj(old.spec) ? old.spec : {};
  const ips = clusterIPsOf(spec);
  const oldIPs = clusterIPsOf(oldSpec);
  const families = Array.isArray(spec.ipFamilies) ? (spec.ipFamilies as unknown[]) : [];
  const oldFamilies = Array.isArray(oldSpec.ipFamilies) ? (oldSpec.ipFamilies as unknown[]) : [];
  const externalName = spec.type === 'ExternalName' || oldSpec.type === 'ExternalName';
  const headless = isHeadless(spec);
  const oldHeadless = isHeadless(oldSpec);
  const ipsGo = goStringSlice(ips);
  // Changing clusterIPs is allowed only from/to ExternalName, or between headless services.
  if (!externalName && !(headless && oldHeadless)) {
    if (oldIPs.length === ips.length) {
      oldIPs.forEach((ip, i) => {
        if (ip !== ips[i]) errs.push(invalidGo(index('spec.clusterIPs', i), ips, ipsGo, 'may not change once set'));
      });
    } else if (oldIPs.length > ips.length) {
      if (ips.length === 0) errs.push(invalidGo('spec.clusterIPs[0]', ips, '[]string(nil)', 'primary clusterIP can not be unset'));
      if (oldIPs.length > 0 && ips.length > 0 && ips[0] !== oldIPs[0]) errs.push(invalidGo('spec.clusterIPs[0]', ips, ipsGo, 'may not change once set'));
      if (ips.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
        errs.push(field.invalid('spec.ipFamilyPolicy', spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary clusterIP"));
      }
    } else if (oldIPs.length > 0 && ips[0] !== oldIPs[0]) {
      errs.push(invalidGo('spec.clusterIPs[0]', ips, ipsGo, 'may not change once set'));
    }
  }
  if (!externalName && headless === oldHeadless && !headless) {
    const famGo = goStringSlice(families, '[]core.IPFamily');
    if (oldFamilies.length === families.length) {
      oldFamilies.forEach((f, i) => {
        if (f !== families[i]) errs.push(invalidGo('spec.ipFamilies[0]', families, famGo, 'may not change once set'));
      });
    } else if (oldFamilies.length > families.length) {
      if (ips.length === 0) errs.push(invalidGo('spec.ipFamilies[0]', families, famGo, 'primary ipFamily can not be unset'));
      if (families.length > 0 && families[0] !== oldFamilies[0]) errs.push(invalidGo('spec.ipFamilies[0]', ips, ipsGo, 'may not change once set'));
      if (families.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
        errs.push(field.invalid('spec.ipFamilyPolicy', spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary ipFamily"));
      }
    } else if (oldFamilies.length > 0 && families.length > 0 && families[0] !== oldFamilies[0]) {
      errs.push(invalidGo('spec.ipFamilies[0]', ips, ipsGo, 'may not change once set'));
    }
  }
  if (spec.type === 'LoadBalancer' && oldSpec.type === 'LoadBalancer' && !deepEqual(spec.loadBalancerClass ?? null, oldSpec.loadBalancerClass ?? null)) {
    errs.push(field.invalid('spec.loadBalancerClass', spec.loadBalancerClass ?? null, 'may not change once set'));
  }
  if (needsHealthCheck(oldSpec) && needsHealthCheck(spec) && spec.healthCheckNodePort !== oldSpec.healthCheckNodePort) {
    errs.push(field.forbidden('spec.healthCheckNodePort', 'field is immutable'));
  }
  errs.push(...validateService(svc, ranges));
  return errs;
}
