// discovery.k8s.io/v1 EndpointSlice, as discovery validation's ValidateEndpointSlice.
import { type FieldError, field } from '../errors.js';
import { isQualifiedName, isValidLabelValue } from '../labels.js';
import { hasLeadingZeros, ipFamilyOf, validateNonSpecialIP } from './ip.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { eachInvalid, fieldImmutableErrorMsg, isDNS1123Label, isDNS1123Subdomain, isFullyQualifiedDomainName, nameIsDNSSubdomain } from './names.js';
import { PROTOCOLS, missing } from './podspec.js';
import { type Obj, arr, child, eachObj, index, isObj, obj, str, strList } from './values.js';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const MAX_ADDRESSES = 100;
const MAX_PORTS = 20000;
const MAX_ENDPOINTS = 1000;
const MAX_ZONE_HINTS = 8;

/** IsValidIPv4Address / IsValidIPv6Address, rejecting leading zeros as strict validation does. */
function validateFamilyAddress(path: string, value: string, family: 'IPv4' | 'IPv6'): FieldError[] {
  const clean = family === 'IPv4' ? CLEAN_IPV4 : CLEAN_IPV6;
  if (clean.has(value)) return [];
  if (ipFamilyOf(value) !== family) return [field.invalid(path, value, `must be a valid ${family} address`)];
  const errs = hasLeadingZeros(value) ? [field.invalid(path, value, 'must not have leading 0s')] : [];
  const all = [...errs, ...validateNonSpecialIP(path, value)];
  if (all.length === 0) {
    if (clean.size >= 65_536) clean.clear();
    clean.add(value);
  }
  return all;
}

/** Endpoint addresses that passed, per family: slices are re-validated in full on every update. */
const CLEAN_IPV4 = new Set<string>();
const CLEAN_IPV6 = new Set<string>();

/** ValidateEndpointSlice. */
export function validateEndpointSlice(slice: Obj): FieldError[] {
  const errs = validateObjectMeta(slice.metadata, true, nameIsDNSSubdomain);
  const addressType = str(slice.addressType, 'addressType', errs) ?? '';
  if (addressType === '') errs.push(field.required('addressType', ''));
  else if (!ADDRESS_TYPES.includes(addressType)) errs.push(field.notSupported('addressType', addressType, ADDRESS_TYPES));
  const endpoints = arr(slice.endpoints, 'endpoints', errs) ?? [];
  if (endpoints.length > MAX_ENDPOINTS) errs.push(field.tooMany('endpoints', endpoints.length, MAX_ENDPOINTS));
  else {
    eachObj(endpoints, 'endpoints', errs, (ep, p) => {
      const ap = child(p, 'addresses');
      const addresses = strList(ep.addresses, ap, errs) ?? [];
      if (addresses.length === 0) errs.push(field.required(ap, 'must contain at least 1 address'));
      else if (addresses.length > MAX_ADDRESSES) errs.push(field.tooMany(ap, addresses.length, MAX_ADDRESSES));
      addresses.forEach((a, i) => {
        if (addressType === 'IPv4' || addressType === 'IPv6') errs.push(...validateFamilyAddress(index(ap, i), a, addressType));
        else if (addressType === 'FQDN') errs.push(...isFullyQualifiedDomainName(index(ap, i), a));
      });
      const nodeName = str(ep.nodeName, child(p, 'nodeName'), errs);
      if (nodeName !== undefined) errs.push(...eachInvalid(child(p, 'nodeName'), nodeName, isDNS1123Subdomain(nodeName)));
      const hostname = str(ep.hostname, child(p, 'hostname'), errs);
      if (hostname !== undefined) errs.push(...eachInvalid(child(p, 'hostname'), hostname, isDNS1123Label(hostname)));
      const hints = obj(ep.hints, child(p, 'hints'), errs);
      if (hints) {
        const fz = child(child(p, 'hints'), 'forZones');
        const zones = arr(hints.forZones, fz, errs) ?? [];
        if (zones.length > MAX_ZONE_HINTS) errs.push(field.tooMany(fz, zones.length, MAX_ZONE_HINTS));
        else {
          const seen = new Set<string>();
          zones.forEach((z, i) => {
            const name = isObj(z) && typeof z.name === 'string' ? z.name : '';
            const zp = child(index(fz, i), 'name');
            if (seen.has(name)) errs.push(field.duplicate(zp, name));
            else seen.add(name);
            errs.push(...eachInvalid(zp, name, isValidLabelValue(name)));
          });
        }
      }
    });
  }
  const ports = arr(slice.ports, 'ports', errs) ?? [];
  if (ports.length > MAX_PORTS) errs.push(field.tooMany('ports', ports.length, MAX_PORTS));
  else {
    const names = new Set<string>();
    eachObj(ports, 'ports', errs, (port, p) => {
      const name = str(port.name, child(p, 'name'), errs) ?? '';
      if (name.length > 0) errs.push(...eachInvalid(child(p, 'name'), name, isDNS1123Label(name)));
      if (names.has(name)) errs.push(field.duplicate(child(p, 'name'), name));
      else names.add(name);
      const proto = str(port.protocol, child(p, 'protocol'), errs);
      if (proto === undefined) {
        if (missing(port.protocol)) errs.push(field.required(child(p, 'protocol'), ''));
      } else if (!(PROTOCOLS as readonly string[]).includes(proto)) errs.push(field.notSupported(child(p, 'protocol'), proto, PROTOCOLS));
      const ap = str(port.appProtocol, child(p, 'appProtocol'), errs);
      if (ap !== undefined) errs.push(...eachInvalid(child(p, 'appProtocol'), ap, isQualifiedName(ap)));
    });
  }
  return errs;
}

/** ValidateEndpointSliceUpdate: addressType never changes. */
export function validateEndpointSliceUpdate(slice: Obj, old: Obj): FieldError[] {
  const errs = [...validateObjectMetaUpdate(slice.metadata, old.metadata), ...validateEndpointSlice(slice)];
  if ((slice.addressType ?? '') !== (old.addressType ?? '')) errs.push(field.invalid('addressType', slice.addressType ?? '', fieldImmutableErrorMsg));
  return errs;
}
