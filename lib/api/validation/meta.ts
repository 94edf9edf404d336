// ObjectMeta validation as apimachinery's ValidateObjectMetaAccessor (plus core's finalizer
// check), and the update rules of ValidateObjectMetaAccessorUpdate.
import { type FieldError, field } from '../errors.js';
import { isQualifiedName, validateLabels } from '../labels.js';
import { goStringSlice, invalidGo } from './govalue.js';
import { fieldImmutableErrorMsg, isNegativeErrorMsg, type NameFn, nameIsDNSLabel } from './names.js';
import { type Errs, arr, byteLen, child, deepEqual, index, int, isObj, obj, str, strList } from './values.js';

/** apimachinery's TotalAnnotationSizeLimitB: 256 KiB of keys and values together. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** Finalizers without a domain prefix that Kubernetes itself uses (helper.IsStandardFinalizerName). */
const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

/** apimachinery ValidateAnnotations: keys are qualified names (case-insensitive), total ≤ 256 KiB. */
export function validateAnnotations(annotations: unknown, path: string): FieldError[] {
  const errs: Errs = [];
  const a = obj(annotations, path, errs);
  if (!a) return errs;
  let total = 0;
  for (const k of Object.keys(a).sort()) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(field.invalid(path, k, m));
    const v = a[k];
    if (typeof v !== 'string') {
      errs.push(field.typeInvalid(`${path}[${k}]`, v, 'must be of type string'));
      continue;
    }
    total += byteLen(k) + byteLen(v);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(field.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

function validateOwnerReferences(refs: unknown, path: string, errs: Errs): void {
  const list = arr(refs, path, errs);
  if (!list) return;
  let firstController = '';
  for (const r of list) {
    if (!isObj(r)) {
      errs.push(field.typeInvalid(path, r, 'must be of type object'));
      continue;
    }
    const apiVersion = typeof r.apiVersion === 'string' ? r.apiVersion : '';
    const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
    if (version === '') errs.push(field.invalid(child(path, 'apiVersion'), apiVersion, 'version must not be empty'));
    const kind = typeof r.kind === 'string' ? r.kind : '';
    if (kind === '') errs.push(field.invalid(child(path, 'kind'), kind, 'kind must not be empty'));
    const name = typeof r.name === 'string' ? r.name : '';
    if (name === '') errs.push(field.invalid(child(path, 'name'), name, 'name must not be empty'));
    const uid = typeof r.uid === 'string' ? r.uid : '';
    if (uid === '') errs.push(field.invalid(child(path, 'uid'), uid, 'uid must not be empty'));
    if (apiVersion === 'v1' && kind === 'Event') errs.push(field.invalid(path, r, '/v1, Kind=Event is disallowed from being an owner'));
    if (r.controller === true) {
      const cur = `${kind}/${name}`;
      if (firstController) {
        errs.push(
          field.invalid(path, list, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${cur}`),
        );
      } else firstController = cur;
    }
  }
}

function validateFinalizers(finalizers: unknown, path: string, errs: Errs): void {
  const list = strList(finalizers, path, errs);
  if (!list) return;
  for (const f of list) for (const m of isQualifiedName(f)) errs.push(field.invalid(path, f, m));
  if (list.includes('orphan') && list.includes('foregroundDeletion')) {
    errs.push(invalidGo(path, list, goStringSlice(list), 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  // core's validateKubeFinalizerName, reported per index after apimachinery's checks.
  list.forEach((f, i) => {
    if (!f.includes('/') && !STANDARD_FINALIZERS.has(f)) {
      errs.push(field.invalid(index(path, i), f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  });
}

/** ValidateObjectMeta on create: name (or generateName), namespace, labels, annotations, owners, finalizers. */
export function validateObjectMeta(meta: unknown, requiresNamespace: boolean, nameFn: NameFn, path = 'metadata'): FieldError[] {
  const errs: Errs = [];
  const m = obj(meta, path, errs) ?? {};
  const generateName = str(m.generateName, child(path, 'generateName'), errs) ?? '';
  if (generateName) for (const msg of nameFn(generateName, true)) errs.push(field.invalid(child(path, 'generateName'), generateName, msg));
  const name = str(m.name, child(path, 'name'), errs);
  const nameMissing = name === '' || m.name === undefined || m.name === null;
  if (nameMissing) errs.push(field.required(child(path, 'name'), 'name or generateName is required'));
  else if (name !== undefined) {
    for (const msg of nameFn(name, false)) errs.push(field.invalid(child(path, 'name'), name, msg));
  }
  const namespace = str(m.namespace, child(path, 'namespace'), errs) ?? '';
  if (requiresNamespace) {
    if (namespace === '') errs.push(field.required(child(path, 'namespace'), ''));
    else for (const msg of nameIsDNSLabel(namespace, false)) errs.push(field.invalid(child(path, 'namespace'), namespace, msg));
  } else if (namespace !== '') {
    errs.push(field.forbidden(child(path, 'namespace'), 'not allowed on this type'));
  }
  const generation = int(m.generation, child(path, 'generation'), errs);
  if (generation !== undefined && generation < 0) errs.push(field.invalid(child(path, 'generation'), generation, isNegativeErrorMsg));
  errs.push(...validateLabels(m.labels, child(path, 'labels')));
  errs.push(...validateAnnotations(m.annotations, child(path, 'annotations')));
  validateOwnerReferences(m.ownerReferences, child(path, 'ownerReferences'), errs);
  validateFinalizers(m.finalizers, child(path, 'finalizers'), errs);
  return errs;
}

/** ValidateObjectMetaUpdate: name, namespace, uid, creationTimestamp and deletion fields are immutable. */
export function validateObjectMetaUpdate(meta: unknown, oldMeta: unknown, path = 'metadata'): FieldError[] {
  const errs: Errs = [];
  const m = isObj(meta) ? meta : {};
  const o = isObj(oldMeta) ? oldMeta : {};
  if (o.deletionTimestamp && Array.isArray(m.finalizers)) {
    const old = new Set(Array.isArray(o.finalizers) ? o.finalizers : []);
    const extra = [...new Set(m.finalizers.filter((f) => !old.has(f)))].map(String).sort();
    if (extra.length) {
      errs.push(
        field.forbidden(child(path, 'finalizers'), `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(extra)}`),
      );
    }
  }
  const gen = typeof m.generation === 'number' ? m.generation : 0;
  const oldGen = typeof o.generation === 'number' ? o.generation : 0;
  if (gen < oldGen) errs.push(field.invalid(child(path, 'generation'), gen, 'must not be decremented'));
  for (const f of ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds']) {
    const a = m[f] ?? (f === 'deletionTimestamp' || f === 'deletionGracePeriodSeconds' ? null : '');
    const b = o[f] ?? (f === 'deletionTimestamp' || f === 'deletionGracePeriodSeconds' ? null : '');
    if (!deepEqual(a, b)) errs.push(field.invalid(child(path, f), a, fieldImmutableErrorMsg));
  }
  errs.push(...validateLabels(m.labels, child(path, 'labels')));
  errs.push(...validateAnnotations(m.annotations, child(path, 'annotations')));
  validateOwnerReferences(m.ownerReferences, child(path, 'ownerReferences'), errs);
  return errs;
}
