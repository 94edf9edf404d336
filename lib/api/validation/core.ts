// core/v1 kinds other than Service: Pod, Node, Namespace, Endpoints, ConfigMap and
// ReplicationController, as core validation's Validate* functions.
import { type FieldError, field } from '../errors.js';
import { isQualifiedName, isValidLabelValue, selectorFromSet } from '../labels.js';
import { duplicateGo, goStringMap, goStringSlice, goTaint, invalidGo } from './govalue.js';
import { parseCIDRSloppy, validateCIDR, validateIP, validateNonSpecialIP } from './ip.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import {
  eachInvalid,
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isNegativeErrorMsg,
  isValidPortNum,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
} from './names.js';
import { PROTOCOLS, missing, templateLabels, validateLabelName, validatePodSpec, validatePodTemplateSpec, validateTaintEffect } from './podspec.js';
import { formatQuantity, isWholeQuantity, quantityOf } from './quantity.js';
import { type Errs, type Obj, arr, child, deepEqual, eachObj, index, int, isObj, key, obj, str, strList, strMap } from './values.js';

/** Pod specs (by identity) that passed validatePod: stored specs are shared read-only. */
const VALID_POD_SPECS = new WeakSet<object>();

/** ValidatePod (create). */
export function validatePod(pod: Obj): FieldError[] {
  const errs = validateObjectMeta(pod.metadata, true, nameIsDNSSubdomain);
  const specErrs = validatePodSpec(pod.spec, 'spec', { resourceIsPod: true });
  if (specErrs.length === 0 && isObj(pod.spec)) VALID_POD_SPECS.add(pod.spec);
  errs.push(...specErrs);
  return errs;
}

/**
 * Pod update validation: metadata (update and create rules) and the spec. A spec equal to the
 * old one apart from nodeName (a binding; the kubelet's writes) is not walked again when the
 * old spec was validated: only nodeName is checked.
 */
export function validatePodUpdate(pod: Obj, old: Obj): FieldError[] {
  const errs = validateObjectMetaUpdate(pod.metadata, old.metadata);
  errs.push(...validateObjectMeta(pod.metadata, true, nameIsDNSSubdomain));
  const spec = pod.spec;
  const prev = old.spec;
  if (isObj(spec) && isObj(prev) && VALID_POD_SPECS.has(prev) && equalButNodeName(spec, prev)) {
    const p = 'spec.nodeName';
    const v = str(spec.nodeName, p, errs) ?? '';
    if (v.length > 0) errs.push(...eachInvalid(p, v, isDNS1123Subdomain(v)));
    if (errs.length === 0) VALID_POD_SPECS.add(spec);
    return errs;
  }
  const specErrs = validatePodSpec(spec, 'spec', { resourceIsPod: true });
  if (specErrs.length === 0 && isObj(spec)) VALID_POD_SPECS.add(spec);
  errs.push(...specErrs);
  return errs;
}

/** Every field but nodeName structurally equal (an undefined field equals a missing one). */
function equalButNodeName(a: Obj, b: Obj): boolean {
  for (const k in a) if (k !== 'nodeName' && !deepEqual(a[k], b[k])) return false;
  for (const k in b) if (k !== 'nodeName' && !(k in a) && b[k] !== undefined) return false;
  return true;
}

const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

/** ValidateNamespace: a DNS label name; spec.finalizers are qualified or standard names. */
export function validateNamespace(ns: Obj): FieldError[] {
  const errs = validateObjectMeta(ns.metadata, false, nameIsDNSLabel);
  const spec = obj(ns.spec, 'spec', errs) ?? {};
  for (const f of strList(spec.finalizers, 'spec.finalizers', errs) ?? []) {
    errs.push(...eachInvalid('spec.finalizers', f, isQualifiedName(f)));
    if (!f.includes('/') && !STANDARD_FINALIZERS.has(f)) {
      errs.push(field.invalid('spec.finalizers', f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  }
  return errs;
}

/** The pod CIDRs of a v1 Node: podCIDRs, or the single podCIDR (as v1→internal conversion). */
function nodePodCIDRs(spec: Obj): string[] {
  if (Array.isArray(spec.podCIDRs) && spec.podCIDRs.length > 0) return spec.podCIDRs.map(String);
  return typeof spec.podCIDR === 'string' && spec.podCIDR !== '' ? [spec.podCIDR] : [];
}

/** validateNodeTaints; upstream reports these under `metadata.taints`. */
function validateNodeTaints(list: unknown, path: string, errs: Errs): void {
  const unique = new Set<string>();
  eachObj(arr(list, path, errs), path, errs, (t, tp) => {
    const k = str(t.key, child(tp, 'key'), errs) ?? '';
    errs.push(...validateLabelName(k, child(tp, 'key')));
    const value = str(t.value, child(tp, 'value'), errs) ?? '';
    const msgs = isValidLabelValue(value);
    if (msgs.length) errs.push(field.invalid(child(tp, 'value'), value, msgs.join(';')));
    const effect = str(t.effect, child(tp, 'effect'), errs) ?? '';
    errs.push(...validateTaintEffect(effect, false, child(tp, 'effect')));
    const id = `${effect}\u0000${k}`;
    if (unique.has(id)) {
      errs.push(duplicateGo(tp, t, goTaint(k, value, effect), 'taints must be unique by key and effect pair'));
      return;
    }
    unique.add(id);
  });
}

/** Node statuses (by identity) whose capacity and allocatable passed: stored objects are shared read-only. */
const VALID_NODE_RESOURCES = new WeakSet<object>();

function validateNodeResources(status: Obj, errs: Errs): void {
  // An update that keeps the stored status object need not parse its quantities again.
  if (VALID_NODE_RESOURCES.has(status)) return;
  const before = errs.length;
  for (const kind of ['capacity', 'allocatable']) {
    const list = obj(status[kind], child('status', kind), errs);
    if (!list) continue;
    for (const name of Object.keys(list).sort()) {
      const p = child(child('status', kind), name);
      const parsed = quantityOf(list[name]);
      if ('error' in parsed) {
        errs.push(field.invalid(p, list[name], parsed.error));
        continue;
      }
      const q = parsed.q;
      if (q.n < 0n) errs.push(field.invalid(p, formatQuantity(q), isNegativeErrorMsg));
      if (name === 'pods' && !isWholeQuantity(q)) errs.push(invalidGo(p, list[name], formatQuantity(q), 'must be an integer'));
    }
  }
  if (errs.length === before) VALID_NODE_RESOURCES.add(status);
}

/** ValidateNode: name, taints, resource quantities and pod CIDRs (canonical subnets, one per family). */
export function validateNode(node: Obj): FieldError[] {
  const errs = validateObjectMeta(node.metadata, false, nameIsDNSSubdomain);
  const spec = obj(node.spec, 'spec', errs) ?? {};
  if (Array.isArray(spec.taints) && spec.taints.length > 0) validateNodeTaints(spec.taints, 'metadata.taints', errs);
  else arr(spec.taints, 'spec.taints', errs);
  validateNodeResources(obj(node.status, 'status', errs) ?? {}, errs);
  const cidrs = nodePodCIDRs(spec);
  const path = 'spec.podCIDRs';
  let allValid = true;
  cidrs.forEach((c, i) => {
    const e = validateCIDR(index(path, i), c);
    if (e.length) allValid = false;
    errs.push(...e);
  });
  if (cidrs.length > 1) {
    const parsed = cidrs.map((c) => parseCIDRSloppy(c));
    if (allValid && parsed.every((p) => p !== undefined)) {
      const families = new Set(parsed.map((p) => p!.family));
      if (families.size < 2 || cidrs.length > 2) errs.push(invalidGo(path, cidrs, goStringSlice(cidrs), 'may specify no more than one CIDR for each IP family'));
    }
    const seen = new Set<string>();
    cidrs.forEach((c, i) => {
      if (seen.has(c)) errs.push(field.duplicate(index(path, i), c));
      seen.add(c);
    });
  }
  return errs;
}

/** ValidateNodeUpdate: pod CIDRs and providerID may only go from unset to set. */
export function validateNodeUpdate(node: Obj, old: Obj): FieldError[] {
  const errs = validateObjectMetaUpdate(node.metadata, old.metadata);
  const spec = isObj(node.spec) ? node.spec : {};
  const oldSpec = isObj(old.spec) ? old.spec : {};
  const cidrs = nodePodCIDRs(spec);
  const oldCIDRs = nodePodCIDRs(oldSpec);
  const msg = 'node updates may not change podCIDR except from "" to valid';
  if (oldCIDRs.length > 0) {
    if (oldCIDRs.length !== cidrs.length) errs.push(field.forbidden('spec.podCIDRs', msg));
    else oldCIDRs.forEach((c, i) => {
      c !== cidrs[i] && errs.push(field.forbidden('spec.podCIDRs', msg));
    });
  }
  const pid = typeof oldSpec.providerID === 'string' ? oldSpec.providerID : '';
  if (pid.length > 0 && pid !== spec.providerID) errs.push(field.forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  errs.push(...validateNode(node));
  return errs;
}

/** ValidateEndpoints: every subset has addresses; addresses are canonical, non-special IPs. */
export function validateEndpoints(ep: Obj): FieldError[] {
  const errs = validateObjectMeta(ep.metadata, true, nameIsDNSSubdomain);
  eachObj(arr(ep.subsets, 'subsets', errs), 'subsets', errs, (ss, sp) => {
    const addresses = arr(ss.addresses, child(sp, 'addresses'), errs) ?? [];
    const notReady = arr(ss.notReadyAddresses, child(sp, 'notReadyAddresses'), errs) ?? [];
    if (addresses.length === 0 && notReady.length === 0) errs.push(field.required(sp, 'must specify `addresses` or `notReadyAddresses`'));
    for (const [list, name] of [
      [addresses, 'addresses'],
      [notReady, 'notReadyAddresses'],
    ] as const) {
      eachObj(list, child(sp, name), errs, (a, ap) => {
        const ip = str(a.ip, child(ap, 'ip'), errs) ?? '';
        errs.push(...validateIP(child(ap, 'ip'), ip));
        const hostname = str(a.hostname, child(ap, 'hostname'), errs) ?? '';
        if (hostname.length > 0) errs.push(...eachInvalid(child(ap, 'hostname'), hostname, isDNS1123Label(hostname)));
        const nodeName = str(a.nodeName, child(ap, 'nodeName'), errs);
        if (nodeName !== undefined) errs.push(...eachInvalid(child(ap, 'nodeName'), nodeName, isDNS1123Subdomain(nodeName)));
        errs.push(...validateNonSpecialIP(child(ap, 'ip'), ip));
      });
    }
    const ports = arr(ss.ports, child(sp, 'ports'), errs) ?? [];
    eachObj(ports, child(sp, 'ports'), errs, (p, pp) => {
      const name = str(p.name, child(pp, 'name'), errs) ?? '';
      if (ports.length > 1 && name.length === 0) errs.push(field.required(child(pp, 'name'), ''));
      else if (name.length !== 0) errs.push(...eachInvalid(child(pp, 'name'), name, isDNS1123Label(name)));
      const port = int(p.port, child(pp, 'port'), errs);
      if (port !== undefined || missing(p.port)) errs.push(...eachInvalid(child(pp, 'port'), port ?? 0, isValidPortNum(port ?? 0)));
      const proto = str(p.protocol, child(pp, 'protocol'), errs) ?? '';
      if (proto === '') {
        if (missing(p.protocol)) errs.push(field.required(child(pp, 'protocol'), ''));
      } else if (!(PROTOCOLS as readonly string[]).includes(proto)) errs.push(field.notSupported(child(pp, 'protocol'), proto, PROTOCOLS));
      const ap = str(p.appProtocol, child(pp, 'appProtocol'), errs);
      if (ap !== undefined) errs.push(...eachInvalid(child(pp, 'appProtocol'), ap, isQualifiedName(ap)));
    });
  });
  return errs;
}

/** core.MaxSecretSize, which also bounds ConfigMaps. */
const MAX_CONFIGMAP_SIZE = 1024 * 1024;

const base64Bytes = (s: string) => Buffer.from(s, 'base64').length;

/** ValidateConfigMap: keys, no key in both data and binaryData, total ≤ 1 MiB. */
export function validateConfigMap(cm: Obj): FieldError[] {
  const errs = validateObjectMeta(cm.metadata, true, nameIsDNSSubdomain);
  const data = obj(cm.data, 'data', errs) ?? {};
  const binary = obj(cm.binaryData, 'binaryData', errs) ?? {};
  let total = 0;
  for (const k of Object.keys(data).sort()) {
    errs.push(...eachInvalid(key('data', k), k, isConfigMapKey(k)));
    if (k in binary) errs.push(field.invalid(key('data', k), k, 'duplicate of key present in binaryData'));
    const v = data[k];
    if (typeof v === 'string') total += Buffer.byteLength(v, 'utf8');
    else errs.push(field.typeInvalid(key('data', k), v, 'must be of type string'));
  }
  for (const k of Object.keys(binary).sort()) {
    errs.push(...eachInvalid(key('binaryData', k), k, isConfigMapKey(k)));
    const v = binary[k];
    if (typeof v === 'string') total += base64Bytes(v);
    else errs.push(field.typeInvalid(key('binaryData', k), v, 'must be of type string'));
  }
  if (total > MAX_CONFIGMAP_SIZE) errs.push(field.tooLong('', MAX_CONFIGMAP_SIZE));
  return errs;
}

/** ValidateConfigMapUpdate: an immutable ConfigMap keeps its data. */
export function validateConfigMapUpdate(cm: Obj, old: Obj): FieldError[] {
  const errs = validateObjectMetaUpdate(cm.metadata, old.metadata);
  if (old.immutable === true) {
    if (cm.immutable !== true) errs.push(field.forbidden('immutable', 'field is immutable when `immutable` is set'));
    if (JSON.stringify(cm.data ?? null) !== JSON.stringify(old.data ?? null)) errs.push(field.forbidden('data', 'field is immutable when `immutable` is set'));
    if (JSON.stringify(cm.binaryData ?? null) !== JSON.stringify(old.binaryData ?? null)) {
      errs.push(field.forbidden('binaryData', 'field is immutable when `immutable` is set'));
    }
  }
  errs.push(...validateConfigMap(cm));
  return errs;
}

/** ValidateReplicationController: a non-empty selector that matches an Always-restarting template. */
export function validateReplicationController(rc: Obj): FieldError[] {
  const errs = validateObjectMeta(rc.metadata, true, nameIsDNSSubdomain);
  const spec = obj(rc.spec, 'spec', errs) ?? {};
  const mrs = int(spec.minReadySeconds, 'spec.minReadySeconds', errs);
  if (mrs !== undefined && mrs < 0) errs.push(field.invalid('spec.minReadySeconds', mrs, isNegativeErrorMsg));
  const selector = strMap(spec.selector, 'spec.selector', errs);
  const sel = selectorFromSet(selector);
  if (sel.empty()) errs.push(field.required('spec.selector', ''));
  const replicas = int(spec.replicas, 'spec.replicas', errs);
  if (replicas !== undefined && replicas < 0) errs.push(field.invalid('spec.replicas', replicas, isNegativeErrorMsg));
  const template = obj(spec.template, 'spec.template', errs);
  if (!template) {
    if (missing(spec.template)) errs.push(field.required('spec.template', ''));
    return errs;
  }
  const labels = templateLabels(template);
  if (!sel.empty() && !sel.matches(labels)) {
    errs.push(invalidGo('spec.template.metadata.labels', labels ?? null, goStringMap(labels), '`selector` does not match template `labels`'));
  }
  errs.push(...validatePodTemplateSpec(template, 'spec.template'));
  const tspec = isObj(template.spec) ? template.spec : {};
  const rp = typeof tspec.restartPolicy === 'string' ? tspec.restartPolicy : '';
  if (rp !== 'Always') errs.push(field.notSupported('spec.template.spec.restartPolicy', rp, ['Always']));
  if (!missing(tspec.activeDeadlineSeconds)) {
    errs.push(field.forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in ReplicationController is not Supported'));
  }
  return errs;
}
