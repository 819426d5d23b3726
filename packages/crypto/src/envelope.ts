// Envelope v1 (docs/format.md §3): a signer's data sealed to the campaign key with
// crypto_box_seal, wrapped in a small JSON object that a collector can route and deduplicate
// without being able to read it.

import * as z from 'zod/mini';
import { canonicalJson } from './canonical.js';
import { fromBase64Url, fromUtf8, toBase64Url } from './encode.js';
import { fromBase32, utf8 } from './encoding.js';
import { SecureSignError, authenticationFailed, type SchemaIssue } from './errors.js';
import { parseStrictJson } from './json.js';
import type { CampaignKeyPair, CampaignPublicKey } from './keys.js';
import { PADDING_BUCKETS, pad, unpad } from './padding.js';
import {
  MAX_CREATED_AT,
  campaignIdSchema,
  confirmationHashSchema,
  languageTagSchema,
  plaintextSchema,
  signerSchema,
  submissionIdSchema,
  withdrawalHashSchema,
  type Signer,
  type SignerInput,
  type SubmissionPlaintext,
} from './schema.js';
import { decodeBase64UrlCharacters, fastEnvelopeMembers, fastPlaintext } from './fast-schema.js';
import { ready } from './sodium.js';
import { createWithdrawalSecret, decode32, withdrawalHashOfBytes } from './withdrawal.js';

/** SHA-256 of a canonical 43-character secret, base64url (the schema checked its form). */
function confirmationHashOf(secret: string): string | undefined {
  const bytes = decode32(secret);
  return bytes && withdrawalHashOfBytes(bytes);
}

/** The envelope version this library writes and reads. */
export const ENVELOPE_VERSION = 1;
/**
 * Bytes crypto_box_seal adds to the padded plaintext (libsodium's `crypto_box_SEALBYTES`): an
 * ephemeral X25519 public key and a Poly1305 tag (docs/format.md §3.4).
 */
export const SEALED_BOX_OVERHEAD = 48;
/**
 * The size limit of an envelope: 49152 bytes of JSON text, counted in UTF-8 bytes. Every reader
 * (collector, CLI, this library) applies exactly this limit to an envelope's text: text over it is
 * `OVERSIZE`, text of at most this many bytes is parsed. Import it rather than restating it.
 */
export const MAX_ENVELOPE_BYTES = 48 * 1024;

/** A sealed submission as it travels and is stored. */
export interface Envelope {
  /** Format version, always 1. */
  readonly v: 1;
  /** The campaign it was sealed for. */
  readonly campaign: string;
  /** Key id of the campaign key it was sealed to. */
  readonly kid: string;
  /** Submission id chosen by the browser: 16 random bytes, base64url. */
  readonly sid: string;
  /**
   * Withdrawal hash: SHA-256 of the signer's withdrawal secret, base64url (43 characters). The
   * sealed plaintext carries the same value (docs/format.md §3.6).
   */
  readonly wh: string;
  /**
   * Confirmation hash, optional: SHA-256 of the confirmation secret, base64url (43 characters).
   * Present exactly when the sealed plaintext carries the secret as `cs` (docs/format.md §3.7);
   * an envelope without it cannot be confirmed by e-mail.
   */
  readonly ch?: string;
  /** The sealed box, base64url without padding. */
  readonly ct: string;
}

/** @internal The envelope's schema (fast-schema.ts restates it for speed; its tests compare both). */
export const envelopeSchema = z.strictObject({
  v: z.literal(1),
  campaign: campaignIdSchema,
  kid: z.string().check(z.regex(/^[a-z2-7]{16}$/, { message: 'must be 16 base32 characters' })),
  sid: submissionIdSchema,
  wh: withdrawalHashSchema,
  ch: z.optional(confirmationHashSchema),
  ct: z.string().check(
    z.refine((value) => value.length > 0, { message: 'must not be empty' }),
    z.regex(/^[A-Za-z0-9_-]*$/, { message: 'must be base64url' }),
  ),
});

/** What {@link openSubmission} returns: the verified plaintext. */
export interface OpenedSubmission {
  readonly campaign: string;
  readonly submissionId: string;
  /** The withdrawal hash `wh`, the same inside and outside (checked). */
  readonly withdrawalHash: string;
  /** When the signer's browser sealed it (milliseconds since the epoch, the signer's clock). */
  readonly createdAt: number;
  /** The signer's data, validated and normalised. */
  readonly signer: Signer;
  /**
   * The confirmation secret `cs` (staff put it in the confirmation link), or `undefined` when the
   * envelope has no `ch`. Its SHA-256 is `ch` (checked).
   */
  readonly confirmationSecret: string | undefined;
  /** The confirmation hash `ch`, the envelope's (checked against `cs`), or `undefined`. */
  readonly ch: string | undefined;
  /** The language of the signer's form (`lang`), or `undefined` if the plaintext has none. */
  readonly lang: string | undefined;
}

/** @internal Converts zod issues to value-free {@link SchemaIssue}s. */
export function toIssues(error: z.core.$ZodError, prefix: readonly (string | number)[] = []): SchemaIssue[] {
  return error.issues.map((issue) => ({
    path: [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
    reason: issue.code === 'custom' || issue.code === 'invalid_format' ? issue.message : issue.code.replaceAll('_', ' '),
  }));
}

function describe(issues: readonly SchemaIssue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.reason}`)
    .join('; ');
}

/**
 * The signers {@link validateSigner} returned: validated, normalised and frozen (so they cannot
 * have changed since), which {@link sealSubmission} therefore seals without validating them again.
 * Private to this module: nothing else can add to it.
 */
const validatedSigners = new WeakSet<object>();

/**
 * Validates signer data against {@link signerSchema} and returns it normalised and frozen. Pass
 * the result as `signer` to {@link sealSubmission} (or {@link sealWithdrawable}) to seal it
 * without validating it a second time: a form that validates to show each field's error, then
 * seals, validates once.
 *
 * @throws {@link SecureSignError} `SCHEMA_VIOLATION` with `issues` naming each bad field.
 * @example
 * ```ts
 * const signer = validateSigner({ kind: 'individual', name: 'Ada', email: 'ada@example.org',
 *   consent: { listPublicly: true, contactLater: false } });
 * const envelope = await sealSubmission({ publicKey, campaign: 'open-letter', signer });
 * ```
 */
export function validateSigner(input: unknown): Signer {
  const result = signerSchema.safeParse(input);
  if (!result.success) {
    const issues = toIssues(result.error);
    throw new SecureSignError('SCHEMA_VIOLATION', `invalid signer data: ${describe(issues)}`, { issues });
  }
  // zod's output is a new object (and so is each nested one): freezing it leaves the input alone.
  const signer = result.data;
  Object.freeze(signer.consent);
  if (signer.extra) Object.freeze(signer.extra);
  validatedSigners.add(Object.freeze(signer));
  return signer;
}

/**
 * Creates a new random submission id (16 bytes, base64url).
 *
 * @example
 * ```ts
 * const sid = await newSubmissionId(); // e.g. "q3V8rS0pXb8nR2oVb6Q3Eg"
 * ```
 */
export async function newSubmissionId(): Promise<string> {
  const sodium = await ready();
  return toBase64Url(sodium.randombytes_buf(16));
}

/** Options of {@link sealSubmission}. */
export interface SealOptions {
  /** The campaign key to seal to: a parsed key, never a bare string, so it is checked first. */
  readonly publicKey: CampaignPublicKey;
  /** The campaign id. */
  readonly campaign: string;
  /**
   * The signer's data; validated and normalised before sealing, unless it is what
   * {@link validateSigner} returned (validated already, and frozen).
   */
  readonly signer: SignerInput;
  /** A submission id to reuse (for a retry); a new random one by default. */
  readonly submissionId?: string;
  /** Creation time in ms since the epoch, 0 to {@link MAX_CREATED_AT}; `Date.now()` by default. */
  readonly createdAt?: number;
  /**
   * The withdrawal secret whose hash the envelope carries (see {@link createWithdrawalSecret}),
   * 43 base64url characters. If omitted, a random one is drawn and thrown away: such a signature
   * can never be withdrawn. Use {@link sealWithdrawable} to get a new secret back.
   */
  readonly withdrawalSecret?: string;
  /**
   * A confirmation secret (see {@link createConfirmationSecret}), 43 base64url characters: the
   * envelope then carries its hash as `ch` and the plaintext the secret itself as `cs`. Without
   * it, neither (the signature cannot be confirmed by e-mail).
   */
  readonly confirmationSecret?: string;
  /** The language of the signer's form, e.g. `en` or `pt-BR` (sealed only); none by default. */
  readonly lang?: string;
}

/**
 * Seals a signature to the campaign key. The result is safe to send, store and log: only the
 * holder of the campaign's secret key can open it.
 *
 * @throws {@link SecureSignError} `SCHEMA_VIOLATION` if the signer data is invalid.
 * Without `withdrawalSecret`, the signature cannot be withdrawn later (the secret is drawn and
 * discarded); a signer-facing client uses {@link sealWithdrawable} instead.
 *
 * @throws {@link SecureSignError} `SCHEMA_VIOLATION` if the signer data is invalid.
 * @throws TypeError if `campaign`, `submissionId`, `withdrawalSecret`, `confirmationSecret` or
 *   `lang` is malformed.
 * @throws RangeError if `createdAt` is not an integer from 0 to {@link MAX_CREATED_AT}.
 * @example
 * ```ts
 * const publicKey = await parseCampaignPublicKey(keyString);
 * const envelope = await sealSubmission({ publicKey, campaign: 'open-letter', signer });
 * await fetch(url, { method: 'POST', body: formatEnvelope(envelope) });
 * ```
 */
export async function sealSubmission(options: SealOptions): Promise<Envelope> {
  const { publicKey, campaign } = options;
  if (!campaignIdSchema.safeParse(campaign).success) throw new TypeError('campaign: not a valid campaign id');
  if (!publicKey || !(publicKey.encryptionKey instanceof Uint8Array) || publicKey.encryptionKey.length !== 32) {
    throw new TypeError('publicKey: expected a CampaignPublicKey from parseCampaignPublicKey');
  }
  const sodium = await ready();
  const sid = options.submissionId ?? toBase64Url(sodium.randombytes_buf(16));
  if (!submissionIdSchema.safeParse(sid).success) throw new TypeError('submissionId: not a valid submission id');
  const createdAt = options.createdAt ?? Date.now();
  if (!Number.isSafeInteger(createdAt) || createdAt < 0 || createdAt > MAX_CREATED_AT) {
    throw new RangeError(`createdAt: expected an integer from 0 to ${MAX_CREATED_AT}`);
  }
  let wh: string;
  if (options.withdrawalSecret === undefined) {
    wh = createWithdrawalSecret().hash;
  } else {
    const secret = decode32(options.withdrawalSecret);
    if (!secret) throw new TypeError('withdrawalSecret: expected 32 bytes in canonical base64url (43 characters)');
    wh = withdrawalHashOfBytes(secret);
  }
  let ch: string | undefined;
  if (options.confirmationSecret !== undefined) {
    const secret = decode32(options.confirmationSecret);
    if (!secret) throw new TypeError('confirmationSecret: expected 32 bytes in canonical base64url (43 characters)');
    ch = withdrawalHashOfBytes(secret);
  }
  if (options.lang !== undefined && !languageTagSchema.safeParse(options.lang).success) {
    throw new TypeError('lang: expected a language tag such as en, fr or pt-BR (at most 35 characters)');
  }
  const given = options.signer;
  const signer = typeof given === 'object' && given !== null && validatedSigners.has(given) ? (given as Signer) : validateSigner(given);
  const message: Record<string, unknown> = { v: 1, campaign, sid, wh, createdAt, signer };
  if (ch !== undefined) message['cs'] = options.confirmationSecret;
  if (options.lang !== undefined) message['lang'] = options.lang;
  const plaintext = utf8(canonicalJson(message as Parameters<typeof canonicalJson>[0]));
  const sealed = sodium.crypto_box_seal(pad(plaintext), publicKey.encryptionKey);
  const ct = toBase64Url(sealed);
  return ch === undefined ? { v: 1, campaign, kid: publicKey.keyId, sid, wh, ct } : { v: 1, campaign, kid: publicKey.keyId, sid, wh, ch, ct };
}

/**
 * Options of {@link sealWithdrawable}: those of {@link sealSubmission} but the secrets, which it
 * creates, and `confirmable`.
 */
export type SealWithdrawableOptions = Omit<SealOptions, 'withdrawalSecret' | 'confirmationSecret'> & {
  /**
   * Draw a confirmation secret too (docs/format.md §3.7): the envelope carries `ch`, the sealed
   * plaintext the secret, and the result returns it as `confirmationSecret`. Default false.
   */
  readonly confirmable?: boolean;
};

/**
 * Seals a signature with a new random withdrawal secret and returns both. The secret is the
 * signer's alone: keep it only where the signer asked (their receipt), never send it with the
 * envelope. Revealing it later (`POST /v1/campaigns/{c}/withdrawals`) withdraws the signature.
 * With `confirmable: true` it also draws a confirmation secret, sealed inside for staff (who
 * e-mail it to the signer) and returned as `confirmationSecret`; a widget need not keep it.
 *
 * @throws as {@link sealSubmission}.
 * @example
 * ```ts
 * const { envelope, withdrawalSecret } = await sealWithdrawable({ publicKey, campaign, signer });
 * const code = formatWithdrawalCode(envelope.sid, withdrawalSecret);
 * ```
 */
export async function sealWithdrawable(
  options: SealWithdrawableOptions,
): Promise<{ envelope: Envelope; withdrawalSecret: string; confirmationSecret?: string }> {
  const { confirmable, ...rest } = options;
  if (confirmable !== undefined && typeof confirmable !== 'boolean') throw new TypeError('confirmable: expected a boolean');
  const { secret } = createWithdrawalSecret();
  if (!confirmable) {
    const envelope = await sealSubmission({ ...rest, withdrawalSecret: secret });
    return { envelope, withdrawalSecret: secret };
  }
  const confirmationSecret = createWithdrawalSecret().secret;
  const envelope = await sealSubmission({ ...rest, withdrawalSecret: secret, confirmationSecret });
  return { envelope, withdrawalSecret: secret, confirmationSecret };
}

/**
 * The normalised text of an envelope: its members in the order `v`, `campaign`, `kid`, `sid`,
 * `wh`, `ch` (only when present), `ct`, as `JSON.stringify` writes them (no white space). This is what a collector stores
 * and exports, and what a log entry of kind 0x01 hashes (docs/format.md §8.2).
 *
 * @throws TypeError if a member is missing or not a string (`v` not 1): pass a parsed or sealed envelope.
 * @example
 * ```ts
 * const stored = formatEnvelope(parseEnvelope(body));
 * ```
 */
export function formatEnvelope(envelope: Envelope): string {
  const { v, campaign, kid, sid, wh, ch, ct } = envelope ?? ({} as Envelope);
  if (
    v !== ENVELOPE_VERSION ||
    ![campaign, kid, sid, wh, ct].every((value) => typeof value === 'string') ||
    (ch !== undefined && typeof ch !== 'string')
  ) {
    throw new TypeError('envelope: expected an Envelope from parseEnvelope or sealSubmission');
  }
  return ch === undefined ? JSON.stringify({ v, campaign, kid, sid, wh, ct }) : JSON.stringify({ v, campaign, kid, sid, wh, ch, ct });
}

/**
 * Checks that a value (or JSON text) is a well-formed envelope of a known version, within size
 * limits. It does not decrypt: collectors use it to refuse garbage before storing anything.
 * Text over {@link MAX_ENVELOPE_BYTES} is `OVERSIZE`; text with two members of the same name in
 * an object is `MALFORMED_ENVELOPE`; `ct` must be non-empty canonical base64url, `sid` exactly 16
 * bytes in canonical base64url, `wh` (and `ch`, optional) exactly 32 bytes in canonical
 * base64url, `kid` 16 base32 characters. The result's members are in the normalised order (see {@link formatEnvelope}).
 *
 * @throws {@link SecureSignError} `OVERSIZE`, `MALFORMED_ENVELOPE` or `UNSUPPORTED_VERSION`.
 * @example
 * ```ts
 * const envelope = parseEnvelope(await request.text());
 * ```
 */
export function parseEnvelope(input: unknown): Envelope {
  return readEnvelope(input).envelope;
}

/** Parses and checks an envelope, returning it with its decoded sealed box (decoded once). */
function readEnvelope(input: unknown): { envelope: Envelope; sealed: Uint8Array } {
  let value = input;
  if (typeof input === 'string') {
    // Measured in UTF-16 units first, which bounds the UTF-8 size to three times as much.
    // (Text of at most a third of the limit in UTF-16 units is within it in UTF-8: no need to encode it.)
    if (input.length > MAX_ENVELOPE_BYTES || (input.length * 3 > MAX_ENVELOPE_BYTES && utf8(input).length > MAX_ENVELOPE_BYTES)) {
      throw new SecureSignError('OVERSIZE', `envelope is larger than ${MAX_ENVELOPE_BYTES} bytes`);
    }
    const parsed = parseStrictJson(input);
    if (!parsed.ok) {
      throw new SecureSignError(
        'MALFORMED_ENVELOPE',
        parsed.problem === 'not JSON' ? 'envelope is not valid JSON' : 'envelope has two members of the same name',
      );
    }
    value = parsed.value;
  }
  // The common case, a well-formed envelope, is accepted without zod (fast-schema.ts); anything
  // else goes through the checks below, which decide and word the refusal.
  const members = fastEnvelopeMembers(value) ?? envelopeMembers(value);
  // Members in the normalised order, `ch` only when present (whatever order zod keeps).
  const { v, campaign, kid, sid, wh, ch, ct } = members;
  const envelope: Envelope = ch === undefined ? { v, campaign, kid, sid, wh, ct } : { v, campaign, kid, sid, wh, ch, ct };
  const maxCiphertext = (PADDING_BUCKETS.at(-1) as number) + SEALED_BOX_OVERHEAD;
  if (envelope.ct.length > Math.ceil((maxCiphertext * 4) / 3)) {
    throw new SecureSignError('OVERSIZE', `ciphertext is larger than ${maxCiphertext} bytes`);
  }
  // (ct matched the schema's base64url pattern, so Node's native decoder may decode it.)
  const sealed = decodeBase64UrlCharacters(envelope.ct, fromBase64Url);
  if (!sealed) throw new SecureSignError('MALFORMED_ENVELOPE', 'malformed envelope: ct: not canonical base64url');
  if (!fromBase32(envelope.kid)) throw new SecureSignError('MALFORMED_ENVELOPE', 'malformed envelope: kid: not canonical base32');
  // The sid pattern admits only canonical encodings already; decoding states the rule where it applies.
  if (fromBase64Url(envelope.sid)?.length !== 16) {
    throw new SecureSignError('MALFORMED_ENVELOPE', 'malformed envelope: sid: not 16 bytes in canonical base64url');
  }
  return { envelope, sealed };
}

/** The envelope schema's output for a parsed value, or the refusal (its code and wording). */
function envelopeMembers(value: unknown): z.output<typeof envelopeSchema> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SecureSignError('MALFORMED_ENVELOPE', 'envelope must be a JSON object');
  }
  const version = (value as Record<string, unknown>)['v'];
  if (version !== ENVELOPE_VERSION) {
    throw new SecureSignError(
      'UNSUPPORTED_VERSION',
      typeof version === 'number' && Number.isSafeInteger(version)
        ? `envelope version ${version} is not supported (this library reads version ${ENVELOPE_VERSION})`
        : 'envelope version is missing or not an integer',
    );
  }
  const result = envelopeSchema.safeParse(value);
  if (!result.success) {
    const issues = toIssues(result.error);
    throw new SecureSignError('MALFORMED_ENVELOPE', `malformed envelope: ${describe(issues)}`, { issues });
  }
  return result.data;
}

/** Options of {@link openSubmission}. */
export interface OpenOptions {
  /** If given, the envelope must be for this campaign (else `CAMPAIGN_MISMATCH`). */
  readonly campaign?: string;
}

/**
 * Opens a sealed envelope with the campaign's secret key and checks everything the format
 * promises: key id, authenticity, padding, schema, that the campaign, submission id and
 * withdrawal hash inside match those outside, and that the confirmation secret inside (`cs`) is
 * there exactly when the envelope has `ch`, and hashes to it (so an envelope cannot be moved to another campaign
 * or id, nor given another withdrawal hash, unnoticed).
 *
 * @param keys - the campaign key pair.
 * @param input - an {@link Envelope}, or its JSON text.
 * @throws {@link SecureSignError} with code `OVERSIZE`, `MALFORMED_ENVELOPE`, `UNSUPPORTED_VERSION`,
 * `KEY_MISMATCH`, `AUTHENTICATION_FAILED`, `BAD_PADDING`, `SCHEMA_VIOLATION`, `CAMPAIGN_MISMATCH`,
 * `SUBMISSION_MISMATCH`, `WITHDRAWAL_MISMATCH` or `CONFIRMATION_MISMATCH`.
 * @example
 * ```ts
 * const { signer } = await openSubmission(keys, line, { campaign: 'open-letter' });
 * ```
 */
export async function openSubmission(
  keys: CampaignKeyPair,
  input: Envelope | string,
  options: OpenOptions = {},
): Promise<OpenedSubmission> {
  // Parse first: malformed input is refused before libsodium is even loaded.
  const { envelope, sealed } = readEnvelope(input);
  const sodium = await ready();
  return openReadEnvelope(
    (box, publicKey, secretKey) => {
      try {
        return sodium.crypto_box_seal_open(box, publicKey, secretKey);
      } catch {
        return undefined;
      }
    },
    keys,
    envelope,
    sealed,
    options,
  );
}

/**
 * Opens a sealed box: the plaintext, or `undefined` if it does not authenticate. The shape of
 * libsodium's `crypto_box_seal_open` (sodium-native's, say, wrapped to return its output).
 */
export type SealOpen = (sealed: Uint8Array, publicKey: Uint8Array, secretKey: Uint8Array) => Uint8Array | undefined;

/**
 * {@link openSubmission} with another implementation of the sealed box (for example sodium-native
 * in Node, about twice as fast as the WebAssembly build): every other check is this library's, in
 * the same order, with the same errors. Synchronous, as the sealed box is.
 *
 * @example
 * ```ts
 * const open = openSubmissionWith((box, pk, sk) => {
 *   const out = Buffer.alloc(box.length - 48);
 *   return sodiumNative.crypto_box_seal_open(out, box, pk, sk) ? out : undefined;
 * });
 * const { signer } = open(keys, line, { campaign: 'open-letter' });
 * ```
 */
export function openSubmissionWith(sealOpen: SealOpen): (keys: CampaignKeyPair, input: Envelope | string, options?: OpenOptions) => OpenedSubmission {
  return (keys, input, options = {}) => {
    const { envelope, sealed } = readEnvelope(input);
    return openReadEnvelope(sealOpen, keys, envelope, sealed, options);
  };
}

/**
 * {@link openSubmissionWith} for a reader holding several campaign keys: the envelope's text is
 * parsed and checked once, its key chosen by its `kid`, and the envelope is returned with what it
 * opened to. Outcomes are those of {@link openSubmission} with the right key: the envelope's own
 * refusals first, then `CAMPAIGN_MISMATCH` (with `options.campaign`), then `KEY_MISMATCH` when no
 * key has its `kid`, then the rest.
 *
 * @example
 * ```ts
 * const open = openEnvelopeWith(sealOpen, (kid) => keysById.get(kid));
 * const { envelope, opened } = open(line, { campaign: 'open-letter' });
 * ```
 */
export function openEnvelopeWith(
  sealOpen: SealOpen,
  keyFor: (kid: string) => CampaignKeyPair | undefined,
): (input: Envelope | string, options?: OpenOptions) => { envelope: Envelope; opened: OpenedSubmission } {
  return (input, options = {}) => {
    const { envelope, sealed } = readEnvelope(input);
    if (options.campaign !== undefined && envelope.campaign !== options.campaign) {
      throw new SecureSignError('CAMPAIGN_MISMATCH', 'envelope belongs to another campaign');
    }
    const keys = keyFor(envelope.kid);
    if (keys === undefined) throw new SecureSignError('KEY_MISMATCH', 'envelope was sealed to another campaign key');
    return { envelope, opened: openReadEnvelope(sealOpen, keys, envelope, sealed, options) };
  };
}

function openReadEnvelope(sealOpen: SealOpen, keys: CampaignKeyPair, envelope: Envelope, sealed: Uint8Array, options: OpenOptions): OpenedSubmission {
  if (options.campaign !== undefined && envelope.campaign !== options.campaign) {
    throw new SecureSignError('CAMPAIGN_MISMATCH', 'envelope belongs to another campaign');
  }
  if (envelope.kid !== keys.publicKey.keyId) {
    throw new SecureSignError('KEY_MISMATCH', 'envelope was sealed to another campaign key');
  }
  const padded = sealed.length < SEALED_BOX_OVERHEAD ? undefined : sealOpen(sealed, keys.publicKey.encryptionKey, keys.encryptionSecretKey);
  if (!padded) throw authenticationFailed();
  let text: string | undefined;
  try {
    text = fromUtf8(unpad(padded));
  } finally {
    // The padded plaintext is not needed once its text is read.
    padded.fill(0);
  }
  if (text === undefined) throw new SecureSignError('SCHEMA_VIOLATION', 'plaintext is not valid UTF-8 JSON');
  const parsed = parseStrictJson(text);
  if (!parsed.ok) {
    throw new SecureSignError(
      'SCHEMA_VIOLATION',
      parsed.problem === 'not JSON' ? 'plaintext is not valid UTF-8 JSON' : 'plaintext has two members of the same name',
    );
  }
  // A valid plaintext is accepted without zod (fast-schema.ts); zod decides and words any refusal.
  const plaintext = fastPlaintext(parsed.value) ?? plaintextOf(parsed.value);
  if (plaintext.campaign !== envelope.campaign) {
    throw new SecureSignError('CAMPAIGN_MISMATCH', 'campaign inside the envelope differs from the one outside');
  }
  if (plaintext.sid !== envelope.sid) {
    throw new SecureSignError('SUBMISSION_MISMATCH', 'submission id inside the envelope differs from the one outside');
  }
  if (plaintext.wh !== envelope.wh) {
    throw new SecureSignError('WITHDRAWAL_MISMATCH', 'withdrawal hash inside the envelope differs from the one outside');
  }
  if (plaintext.cs === undefined ? envelope.ch !== undefined : envelope.ch === undefined || confirmationHashOf(plaintext.cs) !== envelope.ch) {
    throw new SecureSignError(
      'CONFIRMATION_MISMATCH',
      envelope.ch === undefined
        ? 'the plaintext has a confirmation secret but the envelope has no confirmation hash'
        : plaintext.cs === undefined
          ? 'the envelope has a confirmation hash but the plaintext no confirmation secret'
          : 'the confirmation secret inside the envelope does not hash to the confirmation hash outside',
    );
  }
  return {
    campaign: plaintext.campaign,
    submissionId: plaintext.sid,
    withdrawalHash: plaintext.wh,
    createdAt: plaintext.createdAt,
    signer: plaintext.signer,
    confirmationSecret: plaintext.cs,
    ch: envelope.ch,
    lang: plaintext.lang,
  };
}

/** The plaintext schema's output, or its refusal. */
function plaintextOf(value: unknown): SubmissionPlaintext {
  const result = plaintextSchema.safeParse(value);
  if (!result.success) {
    const issues = toIssues(result.error);
    throw new SecureSignError('SCHEMA_VIOLATION', `invalid plaintext: ${describe(issues)}`, { issues });
  }
  return result.data;
}
