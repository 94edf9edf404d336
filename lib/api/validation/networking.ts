// networking.k8s.io/v1: Ingress, IngressClass and NetworkPolicy, as networking validation.
import { type FieldError, field } from '../errors.js';
import { validateLabelSelector } from '../labels.js';
import { goStringSlice, invalidGo } from './govalue.js';
import { containsNetwork, parseCIDRSloppy, parseIPSloppy, validateCIDRForLegacyField } from './ip.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import {
  eachInvalid,
  fieldImmutableErrorMsg,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isDomainPrefixedPath,
  isValidPathSegmentName,
  isValidPortName,
  isValidPortNum,
  isWildcardDNS1123Subdomain,
  nameIsDNSSubdomain,
} from './names.js';
import { missing } from './podspec.js';
import { type Errs, type Obj, arr, child, eachObj, index, int, intOrString, isObj, obj, str, strList } from './values.js';

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];
const MAX_LEN_INGRESS_CLASS_CONTROLLER = 250;

/** validateIngressTypedLocalObjectReference (resource backends, IngressClass parameters). */
function validateTypedLocalObjectReference(ref: Obj, path: string, errs: Errs): void {
  const group = str(ref.apiGroup, child(path, 'apiGroup'), errs);
  if (group !== undefined) errs.push(...eachInvalid(child(path, 'apiGroup'), group, isDNS1123Subdomain(group)));
  const kind = str(ref.kind, child(path, 'kind'), errs) ?? '';
  if (kind === '') errs.push(field.required(child(path, 'kind'), 'kind is required'));
  else errs.push(...eachInvalid(child(path, 'kind'), kind, isValidPathSegmentName(kind)));
  const name = str(ref.name, child(path, 'name'), errs) ?? '';
  if (name === '') errs.push(field.required(child(path, 'name'), 'name is required'));
  else errs.push(...eachInvalid(child(path, 'name'), name, isValidPathSegmentName(name)));
}

function validateIngressBackend(backendValue: unknown, path: string, errs: Errs): void {
  const backend = obj(backendValue, path, errs) ?? {};
  const resource = obj(backend.resource, child(path, 'resource'), errs);
  const service = obj(backend.service, child(path, 'service'), errs);
  if (resource && service) return void errs.push(field.invalid(path, '', 'cannot set both resource and service backends'));
  if (resource) return void validateTypedLocalObjectReference(resource, child(path, 'resource'), errs);
  if (!service) return void errs.push(field.invalid(path, '', 'resource or service backend is required'));
  const sp = child(path, 'service');
  const name = str(service.name, child(sp, 'name'), errs) ?? '';
  if (name === '') errs.push(field.required(child(sp, 'name'), ''));
  else errs.push(...eachInvalid(child(sp, 'name'), name, isDNS1035Label(name)));
  const port = obj(service.port, child(sp, 'port'), errs) ?? {};
  const portName = str(port.name, child(child(sp, 'port'), 'name'), errs) ?? '';
  const portNumber = int(port.number, child(child(sp, 'port'), 'number'), errs) ?? 0;
  if (portName.length > 0 && portNumber !== 0) errs.push(field.invalid(path, '', 'cannot set both port name & port number'));
  else if (portName.length > 0) errs.push(...eachInvalid(child(child(sp, 'port'), 'name'), portName, isValidPortName(portName)));
  else if (portNumber !== 0) errs.push(...eachInvalid(child(child(sp, 'port'), 'number'), portNumber, isValidPortNum(portNumber)));
  else errs.push(field.required(path, 'port name or number is required'));
}

function validateHTTPIngressPath(p: Obj, path: string, errs: Errs): void {
  const pathType = str(p.pathType, child(path, 'pathType'), errs);
  if (pathType === undefined) {
    if (missing(p.pathType)) errs.push(field.required(child(path, 'pathType'), 'pathType must be specified'));
    return;
  }
  const value = str(p.path, child(path, 'path'), errs) ?? '';
  if (pathType === 'Exact' || pathType === 'Prefix') {
    if (!value.startsWith('/')) errs.push(field.invalid(child(path, 'path'), value, 'must be an absolute path'));
    if (value.length > 0) {
      for (const seq of INVALID_PATH_SEQUENCES) if (value.includes(seq)) errs.push(field.invalid(child(path, 'path'), value, `must not contain '${seq}'`));
      for (const suf of INVALID_PATH_SUFFIXES) if (value.endsWith(suf)) errs.push(field.invalid(child(path, 'path'), value, `cannot end with '${suf}'`));
    }
  } else if (pathType === 'ImplementationSpecific') {
    if (value.length > 0 && !value.startsWith('/')) errs.push(field.invalid(child(path, 'path'), value, 'must be an absolute path'));
  } else {
    errs.push(field.notSupported(child(path, 'pathType'), pathType, PATH_TYPES));
  }
  validateIngressBackend(p.backend, child(path, 'backend'), errs);
}

/** ValidateIngressCreate. */
export function validateIngress(ing: Obj): FieldError[] {
  const errs = validateObjectMeta(ing.metadata, true, nameIsDNSSubdomain);
  const spec = obj(ing.spec, 'spec', errs) ?? {};
  const rules = arr(spec.rules, 'spec.rules', errs);
  if ((rules?.length ?? 0) === 0 && missing(spec.defaultBackend)) {
    errs.push(invalidGo('spec', rules ?? null, rules ? '[]networking.IngressRule{}' : '[]networking.IngressRule(nil)', 'either `defaultBackend` or `rules` must be specified'));
  }
  if (!missing(spec.defaultBackend)) validateIngressBackend(spec.defaultBackend, 'spec.defaultBackend', errs);
  eachObj(rules, 'spec.rules', errs, (r, rp) => {
    const host = str(r.host, child(rp, 'host'), errs) ?? '';
    if (host.length > 0) {
      if (parseIPSloppy(host)) errs.push(field.invalid(child(rp, 'host'), host, 'must be a DNS name, not an IP address'));
      const check = host.includes('*') ? isWildcardDNS1123Subdomain : isDNS1123Subdomain;
      errs.push(...eachInvalid(child(rp, 'host'), host, check(host)));
    }
    const http = obj(r.http, child(rp, 'http'), errs);
    if (!http) return;
    const hp = child(rp, 'http');
    const paths = arr(http.paths, child(hp, 'paths'), errs);
    if (!paths || paths.length === 0) errs.push(field.required(child(hp, 'paths'), ''));
    eachObj(paths, child(hp, 'paths'), errs, (p, pp) => validateHTTPIngressPath(p, pp, errs));
  });
  eachObj(arr(spec.tls, 'spec.tls', errs), 'spec.tls', errs, (t, tp) => {
    (strList(t.hosts, child(tp, 'hosts'), errs) ?? []).forEach((h, i) => {
      const check = h.includes('*') ? isWildcardDNS1123Subdomain : isDNS1123Subdomain;
      errs.push(...eachInvalid(index(child(tp, 'hosts'), i), h, check(h)));
    });
    const secret = str(t.secretName, child(tp, 'secretName'), errs) ?? '';
    if (secret.length > 0) errs.push(...eachInvalid(child(tp, 'secretName'), secret, isDNS1123Subdomain(secret)));
  });
  const cls = str(spec.ingressClassName, 'spec.ingressClassName', errs);
  if (cls !== undefined) errs.push(...eachInvalid('spec.ingressClassName', cls, isDNS1123Subdomain(cls)));
  const meta = isObj(ing.metadata) ? ing.metadata : {};
  const ann = isObj(meta.annotations) ? meta.annotations : {};
  const classAnnotation = ann['kubernetes.io/ingress.class'];
  if (typeof classAnnotation === 'string' && cls !== undefined && classAnnotation !== cls) {
    errs.push(field.invalid('annotations.kubernetes.io/ingress.class', classAnnotation, 'must match `ingressClassName` when both are specified'));
  }
  return errs;
}

/** ValidateIngressClass: a domain-prefixed controller and well-formed parameters. */
export function validateIngressClass(ic: Obj): FieldError[] {
  const errs = validateObjectMeta(ic.metadata, false, nameIsDNSSubdomain);
  const spec = obj(ic.spec, 'spec', errs) ?? {};
  const controller = str(spec.controller, 'spec.controller', errs) ?? '';
  if (controller.length > MAX_LEN_INGRESS_CLASS_CONTROLLER) errs.push(field.tooLong('spec.controller', MAX_LEN_INGRESS_CLASS_CONTROLLER));
  errs.push(...isDomainPrefixedPath('spec.controller', controller));
  const params = obj(spec.parameters, 'spec.parameters', errs);
  if (params) {
    validateTypedLocalObjectReference(params, 'spec.parameters', errs);
    const scope = str(params.scope, 'spec.parameters.scope', errs);
    if (scope === undefined) {
      if (missing(params.scope)) errs.push(field.required('spec.parameters.scope', ''));
    } else if (scope !== 'Cluster' && scope !== 'Namespace') {
      errs.push(field.notSupported('spec.parameters.scope', scope, ['Cluster', 'Namespace']));
    } else if (scope === 'Namespace') {
      const ns = str(params.namespace, 'spec.parameters.namespace', errs);
      if (ns === undefined) errs.push(field.required('spec.parameters.namespace', "`parameters.scope` is set to 'Namespace'"));
      else errs.push(...eachInvalid('spec.parameters.namespace', ns, isDNS1123Label(ns)));
    } else if (!missing(params.namespace)) {
      errs.push(field.forbidden('spec.parameters.namespace', "`parameters.scope` is set to 'Cluster'"));
    }
  }
  return errs;
}

/** ValidateIngressClassUpdate: the controller never changes. */
export function validateIngressClassUpdate(ic: Obj, old: Obj): FieldError[] {
  const errs = validateObjectMetaUpdate(ic.metadata, old.metadata);
  const controller = isObj(ic.spec) ? ic.spec.controller : undefined;
  const oldController = isObj(old.spec) ? old.spec.controller : undefined;
  if ((controller ?? '') !== (oldController ?? '')) errs.push(field.invalid('spec.controller', controller ?? '', fieldImmutableErrorMsg));
  errs.push(...validateIngressClass(ic));
  return errs;
}

function validateNetworkPolicyPort(p: Obj, path: string, errs: Errs): void {
  const proto = str(p.protocol, child(path, 'protocol'), errs);
  if (proto !== undefined && proto !== 'TCP' && proto !== 'UDP' && proto !== 'SCTP') errs.push(field.notSupported(child(path, 'protocol'), proto, ['TCP', 'UDP', 'SCTP']));
  const port = intOrString(p.port, child(path, 'port'), errs);
  const endPort = int(p.endPort, child(path, 'endPort'), errs);
  if (typeof port === 'number') {
    errs.push(...eachInvalid(child(path, 'port'), port, isValidPortNum(port)));
    if (endPort !== undefined) {
      // Upstream reports the start port as the bad value here.
      if (endPort < port) errs.push(field.invalid(child(path, 'endPort'), port, 'must be greater than or equal to `port`'));
      errs.push(...eachInvalid(child(path, 'endPort'), endPort, isValidPortNum(endPort)));
    }
  } else if (typeof port === 'string') {
    if (endPort !== undefined) errs.push(field.invalid(child(path, 'endPort'), endPort, 'may not be specified when `port` is non-numeric'));
    errs.push(...eachInvalid(child(path, 'port'), port, isValidPortName(port)));
  } else if (endPort !== undefined) {
    errs.push(field.invalid(child(path, 'endPort'), endPort, 'may not be specified when `port` is not specified'));
  }
}

function validateIPBlock(b: Obj, path: string, errs: Errs): void {
  const cidr = str(b.cidr, child(path, 'cidr'), errs) ?? '';
  if (cidr === '') return void errs.push(field.required(child(path, 'cidr'), ''));
  errs.push(...validateCIDRForLegacyField(child(path, 'cidr'), cidr));
  const net = parseCIDRSloppy(cidr);
  if (!net) return;
  (strList(b.except, child(path, 'except'), errs) ?? []).forEach((e, i) => {
    const ep = index(child(path, 'except'), i);
    errs.push(...validateCIDRForLegacyField(ep, e));
    const ex = parseCIDRSloppy(e);
    if (!ex) return;
    if (!containsNetwork(net, ex) || net.prefix >= ex.prefix) errs.push(field.invalid(ep, e, 'must be a strict subset of `cidr`'));
  });
}

function validatePeer(peer: Obj, path: string, errs: Errs): void {
  let peers = 0;
  if (!missing(peer.podSelector)) {
    peers++;
    errs.push(...validateLabelSelector(peer.podSelector, child(path, 'podSelector')));
  }
  if (!missing(peer.namespaceSelector)) {
    peers++;
    errs.push(...validateLabelSelector(peer.namespaceSelector, child(path, 'namespaceSelector')));
  }
  const ipBlock = obj(peer.ipBlock, child(path, 'ipBlock'), errs);
  if (ipBlock) {
    peers++;
    validateIPBlock(ipBlock, child(path, 'ipBlock'), errs);
  }
  if (peers === 0) errs.push(field.required(path, 'must specify a peer'));
  else if (peers > 1 && ipBlock) errs.push(field.forbidden(path, 'may not specify both ipBlock and another peer'));
}

/** ValidateNetworkPolicy. */
export function validateNetworkPolicy(np: Obj): FieldError[] {
  const errs = validateObjectMeta(np.metadata, true, nameIsDNSSubdomain);
  const spec = obj(np.spec, 'spec', errs) ?? {};
  errs.push(...validateLabelSelector(spec.podSelector ?? {}, 'spec.podSelector'));
  for (const [dir, peersKey] of [
    ['ingress', 'from'],
    ['egress', 'to'],
  ] as const) {
    eachObj(arr(spec[dir], child('spec', dir), errs), child('spec', dir), errs, (rule, rp) => {
      eachObj(arr(rule.ports, child(rp, 'ports'), errs), child(rp, 'ports'), errs, (p, pp) => validateNetworkPolicyPort(p, pp, errs));
      eachObj(arr(rule[peersKey], child(rp, peersKey), errs), child(rp, peersKey), errs, (peer, pp) => validatePeer(peer, pp, errs));
    });
  }
  const types = strList(spec.policyTypes, 'spec.policyTypes', errs) ?? [];
  if (types.length > 2) {
    errs.push(invalidGo('spec.policyTypes', types, goStringSlice(types, '[]networking.PolicyType'), 'may not specify more than two policyTypes'));
    return errs;
  }
  types.forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') errs.push(field.notSupported(index('spec.policyTypes', i), t, ['Ingress', 'Egress']));
  });
  return errs;
}
