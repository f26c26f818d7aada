/**
 * The signature check of POST /v1/traces for one app: its setting (required
 * or not) and its active secrets, both cached, fed to verifySignature. An
 * app that neither requires signatures nor received one costs no lookup.
 */
import type { AppSettings } from '../store/index.js';
import { verifySignature } from './signature.js';
import type { SignatureCheck } from './signature.js';

export interface SignatureCheckOptions {
  settingsOf: (appId: string) => Promise<Pick<AppSettings, 'signatureRequired'>>;
  secretsOf: (appId: string) => Promise<string[]>;
  windowSeconds: number;
  nowMillis?: () => number;
}

export type CheckRequestSignature = (appId: string, header: string | string[] | undefined, rawBody: Uint8Array) => Promise<SignatureCheck>;

/**
 * @example
 * const check = createSignatureCheck({ settingsOf, secretsOf: keyring.activeSecrets, windowSeconds: 300 });
 * const result = await check('checkout', request.headers['x-xray-signature'], rawBody);
 */
export function createSignatureCheck(options: SignatureCheckOptions): CheckRequestSignature {
  const now = options.nowMillis ?? Date.now;
  return async (appId, header, rawBody) => {
    const { signatureRequired } = await options.settingsOf(appId);
    if (header === undefined && !signatureRequired) return { ok: true };
    return verifySignature({
      header,
      body: rawBody,
      secrets: await options.secretsOf(appId),
      required: signatureRequired,
      nowSeconds: Math.floor(now() / 1000),
      windowSeconds: options.windowSeconds,
    });
  };
}
