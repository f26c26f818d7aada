/**
 * Per-app security settings (table `app_settings`, migration 0016): whether
 * the app requires signed requests and its rate limits. An app that was never
 * configured has no row and gets the defaults; a limit left unset (NULL)
 * follows the collector's defaults.
 */
import { nextVersion } from './apps.js';
import type { ClickHouseBackend } from './backend.js';

/** A token bucket's rate and burst. */
export interface RateLimit {
  requestsPerSecond: number;
  burst: number;
}

export interface AppSettings {
  signatureRequired: boolean;
  /** The app's own limit for all its keys together; undefined = the collector's default. */
  rateLimit: RateLimit | undefined;
  /** The limit of each of its keys; undefined = the same as the app's. */
  keyRateLimit: RateLimit | undefined;
}

export const DEFAULT_APP_SETTINGS: AppSettings = { signatureRequired: false, rateLimit: undefined, keyRateLimit: undefined };

export interface AppSettingsRepository {
  get(appId: string): Promise<AppSettings>;
  /** Changes some settings and keeps the rest; returns the new settings. */
  update(appId: string, change: Partial<AppSettings>): Promise<AppSettings>;
}

interface SettingsRow {
  signature_required: number;
  rate_limit_rps: number | null;
  rate_limit_burst: number | null;
  key_rate_limit_rps: number | null;
  key_rate_limit_burst: number | null;
}

function toLimit(rps: number | null, burst: number | null): RateLimit | undefined {
  return rps === null || burst === null ? undefined : { requestsPerSecond: Number(rps), burst: Number(burst) };
}

export function createAppSettingsRepository(backend: ClickHouseBackend): AppSettingsRepository {
  return {
    async get(appId) {
      const rows = await backend.query<SettingsRow>(
        `SELECT signature_required, rate_limit_rps, rate_limit_burst, key_rate_limit_rps, key_rate_limit_burst
         FROM app_settings FINAL WHERE app_id = {appId:String}`,
        { appId },
      );
      const row = rows[0];
      if (!row) return DEFAULT_APP_SETTINGS;
      return {
        signatureRequired: Number(row.signature_required) === 1,
        rateLimit: toLimit(row.rate_limit_rps, row.rate_limit_burst),
        keyRateLimit: toLimit(row.key_rate_limit_rps, row.key_rate_limit_burst),
      };
    },
    async update(appId, change) {
      const next: AppSettings = { ...(await this.get(appId)), ...change };
      await backend.insert('app_settings', [
        {
          app_id: appId,
          signature_required: next.signatureRequired ? 1 : 0,
          rate_limit_rps: next.rateLimit?.requestsPerSecond ?? null,
          rate_limit_burst: next.rateLimit?.burst ?? null,
          key_rate_limit_rps: next.keyRateLimit?.requestsPerSecond ?? null,
          key_rate_limit_burst: next.keyRateLimit?.burst ?? null,
          version: nextVersion(),
        },
      ]);
      return next;
    },
  };
}
