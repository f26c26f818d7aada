import { describe, expect, it } from 'vitest';
import { checkWebhookUrl, createAddressPolicy, isCidr } from '../../../src/webhooks/address-policy.js';

describe('webhooks/address-policy', () => {
  describe('createAddressPolicy', () => {
    const closed = createAddressPolicy();

    it('refuses loopback, private, CGNAT, link-local, multicast and unique-local addresses by default', () => {
      for (const address of ['127.0.0.1', '10.0.0.8', '172.16.5.4', '172.31.255.255', '192.168.1.1', '100.64.0.1', '169.254.169.254', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fd12::1', 'fe80::1', 'ff02::1', '::ffff:10.0.0.1', '::ffff:127.0.0.1', '64:ff9b::a00:1']) {
        expect(closed.allows(address), address).toBe(false);
      }
    });

    it('allows public addresses, and nothing that is not an address', () => {
      for (const address of ['93.184.215.14', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8']) expect(closed.allows(address), address).toBe(true);
      expect(closed.allows('example.com')).toBe(false);
    });

    it('opens exactly the ranges the operator allows', () => {
      const open = createAddressPolicy(['127.0.0.0/8', '10.20.0.0/16', 'fd00::1']);
      expect(open.allows('127.0.0.1')).toBe(true);
      expect(open.allows('10.20.3.4')).toBe(true);
      expect(open.allows('10.21.0.1')).toBe(false);
      expect(open.allows('fd00::1')).toBe(true);
      expect(open.allows('fd00::2')).toBe(false);
      expect(() => createAddressPolicy(['10.0.0.0/40'])).toThrow('Not an address or CIDR range');
    });
  });

  describe('isCidr', () => {
    it('accepts addresses and ranges of either family', () => {
      expect(['10.0.0.0/8', '127.0.0.1', 'fd00::/8', '::1/128'].every(isCidr)).toBe(true);
      expect(['10.0.0.0/33', 'fd00::/129', 'host', '10.0.0.0/8/1', '10.0.0.0/x', ''].some(isCidr)).toBe(false);
    });
  });

  describe('checkWebhookUrl', () => {
    const policy = createAddressPolicy();

    it('accepts http(s) URLs to public hosts and names (names are judged when connecting)', () => {
      expect(checkWebhookUrl('https://hooks.example.com/x?y=1', policy)).toMatchObject({ ok: true });
      expect(checkWebhookUrl('http://8.8.8.8:8080/x', policy)).toMatchObject({ ok: true });
    });

    it('refuses other schemes, credentials and fragments as invalid', () => {
      for (const url of ['ftp://example.com', 'file:///etc/passwd', 'javascript:alert(1)', 'https://u:p@example.com', 'https://example.com/#x', '/relative']) {
        expect(checkWebhookUrl(url, policy), url).toMatchObject({ ok: false, code: 'XRAY_ERR_WEBHOOK_URL_INVALID' });
      }
    });

    it('refuses private addresses and localhost as forbidden, in every spelling', () => {
      for (const url of ['http://127.0.0.1/', 'http://localhost:8080/', 'http://api.localhost/', 'http://[::1]/', 'http://0x7f000001/', 'http://2130706433/', 'http://169.254.169.254/', 'http://[::ffff:a00:1]/']) {
        expect(checkWebhookUrl(url, policy), url).toMatchObject({ ok: false, code: 'XRAY_ERR_WEBHOOK_URL_FORBIDDEN' });
      }
      expect(checkWebhookUrl('http://localhost:8080/', createAddressPolicy(['127.0.0.1']))).toMatchObject({ ok: true });
    });

    it('refuses IPv6 forms that embed an IPv4 address or are site-local, and localhost with a trailing dot', () => {
      for (const url of ['http://[::127.0.0.1]/', 'http://[::ffff:0:7f00:1]/', 'http://[::ffff:0:a9fe:a9fe]/', 'http://[fec0::1]/', 'http://localhost./', 'http://api.localhost./']) {
        expect(checkWebhookUrl(url, policy), url).toMatchObject({ ok: false, code: 'XRAY_ERR_WEBHOOK_URL_FORBIDDEN' });
      }
    });
  });
});
