// The only module that touches libsodium's loader. Everything else calls ready() and uses the
// instance it returns, so initialisation happens once and raw libsodium is never re-exported.
import sodium from 'libsodium-wrappers';

/** @internal The libsodium instance this package uses. */
export type Sodium = typeof sodium;

let loading: Promise<Sodium> | undefined;

/** @internal Resolves once libsodium's WebAssembly is initialised. */
export function ready(): Promise<Sodium> {
  loading ??= sodium.ready.then(() => sodium);
  return loading;
}
