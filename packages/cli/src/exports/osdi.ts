// OSDI "person signature" records: the body of OSDI's Record Signature Helper (a Signature with
// the Person who made it inlined), one per signer, in a JSON array (docs/exports.md, "osdi").
//
// Fields used, from the OSDI spec (https://opensupporter.github.io/osdi-docs/):
// - Signature (signatures.html, record_signature.html): identifiers, origin_system, action_date,
//   comments, person.
// - Person (people.html): given_name, email_addresses[] {address, primary, status}, employer,
//   work_title, postal_addresses[] {primary, country}, custom_fields.
// Consent is explicit: email_addresses[0].status is "subscribed" only for a signer who agreed to
// be contacted later, "unsubscribed" otherwise; custom_fields repeat both consents as "true"/"false".

import type { DecryptedRecord } from '../records.js';

/** `origin_system` and the system part of `identifiers` (OSDI: `[system name]:[id]`). */
export const OSDI_SYSTEM = 'secure-sign';

export interface OsdiEmailAddress {
  readonly address: string;
  readonly primary: true;
  readonly status: 'subscribed' | 'unsubscribed';
}

export interface OsdiPerson {
  readonly given_name: string;
  readonly email_addresses: readonly [OsdiEmailAddress];
  readonly employer?: string;
  readonly work_title?: string;
  readonly postal_addresses?: readonly [{ readonly primary: true; readonly country: string }];
  /** OSDI custom fields are strings. */
  readonly custom_fields: Readonly<Record<string, string>>;
}

export interface OsdiSignature {
  readonly identifiers: readonly [string];
  readonly origin_system: string;
  readonly action_date: string;
  readonly comments?: string;
  readonly person: OsdiPerson;
}

/** The OSDI signature (with its person) of a decrypted record. */
export function osdiSignature(record: DecryptedRecord): OsdiSignature {
  const s = record.signer;
  const custom: Record<string, string> = {
    campaign: record.campaign,
    signer_kind: s.kind,
    consent_list_publicly: String(s.consent.listPublicly),
    consent_contact_later: String(s.consent.contactLater),
  };
  for (const [key, value] of Object.entries(s.extra ?? {})) custom[`extra_${key}`] = String(value);
  return {
    identifiers: [`${OSDI_SYSTEM}:${record.submissionId}`],
    origin_system: OSDI_SYSTEM,
    // When the signer's browser sealed it: the moment the person signed (the signer's clock).
    action_date: record.createdAt,
    ...(s.comment === undefined ? {} : { comments: s.comment }),
    person: {
      given_name: s.name,
      email_addresses: [{ address: s.email, primary: true, status: s.consent.contactLater ? 'subscribed' : 'unsubscribed' }],
      ...(s.organisation === undefined ? {} : { employer: s.organisation }),
      ...(s.role === undefined ? {} : { work_title: s.role }),
      ...(s.country === undefined ? {} : { postal_addresses: [{ primary: true, country: s.country }] }),
      custom_fields: custom,
    },
  };
}
