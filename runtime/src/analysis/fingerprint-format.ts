/**
 * Mixed into every code fingerprint (fingerprint.ts): bump it when normalisation changes, so old
 * fingerprints read as stale — and fingerprints cached by the engine (engine/keys.ts) are dropped.
 */
export const FINGERPRINT_FORMAT = "flowsmith-fingerprint/1";
