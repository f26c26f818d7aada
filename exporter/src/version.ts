/** Name and version the SDK reports as its OTel instrumentation scope; keep in step with package.json. */
export const SDK_NAME = '@xray/sdk';
export const SDK_VERSION = '0.1.0';
