// What the signer typed, read from the form and checked, at submit only. Loaded with the lazy chunk
// (lazy.ts), which submitting needs for sealing anyway. Values are read from the inputs once and
// returned to the caller, which seals them: never stored, logged or put in reactive state.

import { SecureSignError, validateSigner, type Signer, type SignerInput } from '@secure-sign/crypto';
import type { Translation } from '../i18n/translation.js';

/** Optional fields a partner may show (and require). Name and e-mail are always shown and required. */
export type OptionalField = 'organisation' | 'role' | 'country' | 'comment';

const value = (root: ParentNode, name: string): string =>
  root.querySelector<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(`[name="${name}"]`)?.value ?? '';

const checked = (root: ParentNode, name: string): boolean => root.querySelector<HTMLInputElement>(`input[name="${name}"]`)?.checked ?? false;

/** The signer's input as the crypto core expects it: optional fields trimmed, empty ones absent. */
export function readSigner(root: ParentNode, kind: 'individual' | 'organisation', shown: readonly OptionalField[]): SignerInput {
  const optional = (field: OptionalField): string | undefined => {
    if (!shown.includes(field) && !(field === 'organisation' && kind === 'organisation')) return undefined;
    const text = value(root, field).trim();
    return text === '' ? undefined : text;
  };
  const organisation = optional('organisation');
  const role = optional('role');
  const country = optional('country');
  const comment = optional('comment');
  return {
    kind,
    name: value(root, 'name'),
    email: value(root, 'email'),
    ...(organisation !== undefined ? { organisation } : {}),
    ...(role !== undefined ? { role } : {}),
    ...(country !== undefined ? { country } : {}),
    ...(comment !== undefined ? { comment } : {}),
    consent: { listPublicly: checked(root, 'listPublicly'), contactLater: checked(root, 'contactLater') },
  };
}

function message(reason: string, t: Translation): string {
  if (reason.startsWith('required')) return t.errorRequired;
  if (reason.startsWith('too long')) return t.errorTooLong;
  if (reason === 'not an e-mail address') return t.errorEmail;
  return t.errorInvalid;
}

/**
 * Checks what the signer typed, once: by the crypto core's schema (validateSigner) and the
 * partner's required fields. Either each field's error message (translated; messages never quote
 * what was typed), or no error and the signer as validated, which sealing takes without
 * validating it again.
 */
export function fieldErrors(
  input: SignerInput,
  t: Translation,
  shown: readonly OptionalField[],
  required: readonly OptionalField[],
): { errors: Record<string, string>; signer?: Signer } {
  const errors: Record<string, string> = {};
  let signer: Signer | undefined;
  try {
    signer = validateSigner(input);
  } catch (error) {
    if (!(error instanceof SecureSignError)) throw error;
    for (const issue of error.issues ?? []) {
      const field = String(issue.path[0] ?? '');
      // A missing or mistyped value is "required"; the schema's own reasons otherwise.
      if (field && !errors[field]) errors[field] = message(issue.reason === 'invalid type' ? 'required' : issue.reason, t);
    }
  }
  for (const field of required) {
    if (shown.includes(field) && !(input as unknown as Record<string, unknown>)[field] && !errors[field]) errors[field] = t.errorRequired;
  }
  return Object.keys(errors).length > 0 || !signer ? { errors } : { errors, signer };
}
