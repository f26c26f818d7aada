/**
 * Where webhooks may point (SSRF policy). A webhook URL is chosen by an app's
 * key holder and fetched by the collector from inside the operator's
 * network, so by default it may not reach the collector's own host or a
 * private network: loopback, RFC 1918, carrier-grade NAT, link-local (cloud
 * metadata at 169.254.169.254), unique-local and multicast addresses are
 * refused. The operator can open ranges with XRAY_WEBHOOK_ALLOW_PRIVATE
 * (CIDRs, e.g. `10.20.0.0/16`; tests use `127.0.0.0/8`).
 *
 * The check runs twice: on the URL when a webhook is saved (IP literals and
 * `localhost`), and on every address a host name resolves to when a delivery
 * connects (the `lookup` hook of webhooks/http-delivery.ts), so a name that
 * later resolves to a private address (DNS rebinding) is refused too.
 * Ranges are held in node:net's BlockList.
 */
import { BlockList, isIP } from 'node:net';

/** Refused unless allowed: addresses that are not the public internet. */
const PRIVATE_RANGES: [string, number, 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  // Unspecified, loopback and the deprecated IPv4-compatible form (::a.b.c.d).
  ['::', 96, 'ipv6'],
  ['::1', 128, 'ipv6'],
  // IPv4-translated (SIIT, ::ffff:0:a.b.c.d); IPv4-mapped (::ffff:a.b.c.d) is judged as IPv4 by BlockList.
  ['::ffff:0:0:0', 96, 'ipv6'],
  ['64:ff9b::', 96, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  // Site-local (deprecated, still routed inside some networks).
  ['fec0::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
];

export interface AddressPolicy {
  /** Whether a delivery may connect to this IP address. */
  allows(address: string): boolean;
}

/** `a.b.c.d/n`, `v6::/n` or a bare address. */
export function isCidr(text: string): boolean {
  const [address, bits, extra] = text.trim().split('/');
  if (extra !== undefined) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/** An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) judged as the IPv4 address it is. */
function unmapped(address: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match ? match[1] : address;
}

/**
 * @example
 * const policy = createAddressPolicy(['127.0.0.0/8']);
 * policy.allows('127.0.0.1'); // true (allowed explicitly)
 * policy.allows('10.1.2.3');  // false
 * policy.allows('93.184.215.14'); // true
 */
export function createAddressPolicy(allowPrivate: readonly string[] = []): AddressPolicy {
  const blocked = new BlockList();
  for (const [address, prefix, family] of PRIVATE_RANGES) blocked.addSubnet(address, prefix, family);
  const allowed = new BlockList();
  for (const cidr of allowPrivate) {
    if (!isCidr(cidr)) throw new Error(`Not an address or CIDR range: ${JSON.stringify(cidr)}`);
    const [address, bits] = cidr.trim().split('/');
    const family = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) allowed.addAddress(address, family);
    else allowed.addSubnet(address, Number(bits), family);
  }
  return {
    allows(raw) {
      const address = unmapped(raw.replace(/^\[|\]$/g, ''));
      const family = isIP(address);
      if (family === 0) return false;
      const type = family === 4 ? 'ipv4' : 'ipv6';
      return !blocked.check(address, type) || allowed.check(address, type);
    },
  };
}

export type UrlVerdict = { ok: true; url: URL } | { ok: false; code: 'XRAY_ERR_WEBHOOK_URL_INVALID' | 'XRAY_ERR_WEBHOOK_URL_FORBIDDEN'; message: string };

/**
 * Judges a webhook URL when it is saved: http(s), no credentials, no
 * fragment, and a host the policy allows when it is an address (or
 * `localhost`, which always means loopback). Other names are judged on
 * every connection, by what they resolve to.
 *
 * @example
 * checkWebhookUrl('ftp://x', policy); // { ok: false, code: 'XRAY_ERR_WEBHOOK_URL_INVALID', … }
 */
export function checkWebhookUrl(text: string, policy: AddressPolicy): UrlVerdict {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, code: 'XRAY_ERR_WEBHOOK_URL_INVALID', message: `${JSON.stringify(text)} is not an absolute URL` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, code: 'XRAY_ERR_WEBHOOK_URL_INVALID', message: `The URL must be http:// or https://, not ${url.protocol}//` };
  }
  if (url.username !== '' || url.password !== '') {
    return { ok: false, code: 'XRAY_ERR_WEBHOOK_URL_INVALID', message: 'The URL may not carry credentials; the receiver checks the x-xray-signature header instead' };
  }
  if (url.hash !== '') {
    return { ok: false, code: 'XRAY_ERR_WEBHOOK_URL_INVALID', message: 'The URL may not carry a #fragment' };
  }
  // A trailing dot names the same host (`localhost.` is localhost).
  const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
  const loopbackName = host === 'localhost' || host.endsWith('.localhost');
  if ((isIP(host) !== 0 && !policy.allows(host)) || (loopbackName && !policy.allows('127.0.0.1'))) {
    return {
      ok: false,
      code: 'XRAY_ERR_WEBHOOK_URL_FORBIDDEN',
      message: `${url.hostname} is a loopback, private or link-local address; the operator may allow it with XRAY_WEBHOOK_ALLOW_PRIVATE`,
    };
  }
  return { ok: true, url };
}
