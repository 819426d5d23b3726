// `decrypt --format` profiles for the tools campaigns import signers into (docs/exports.md).
//
// Rules for this file:
// - Column names are the ones each tool publishes (cited below and in docs/exports.md), so the
//   tool maps them without a click; a column we add for data the tool has no field for is named
//   as such (CUSTOM) and documented.
// - Consent decides what goes where. A signer who did not agree to be contacted later
//   (`consent.contactLater: false`) is never in a file whose import subscribes everyone in it
//   (Mailchimp, Action Network: `row` answers `undefined`); CiviCRM gets them flagged "No Bulk
//   Emails (User Opt Out)"; OSDI says it in the e-mail address's `status`.
// - Our records have one `name`. It is never split into given and family names (any split rule
//   is wrong for many names: "María José García López", "Nguyễn Văn An", "van Gogh"): the whole
//   name goes into the first-name field, the last-name field stays empty. docs/exports.md says so.
// - Cells go through neutraliseCell in records.ts, like every CSV cell `decrypt` writes.

import type { DecryptedRecord } from '../records.js';

/** Profiles that write CSV, with a header row of the tool's own column names. */
export const CSV_PROFILES = ['actionnetwork', 'civicrm', 'mailchimp'] as const;
/** Profiles that write a JSON array. */
export const JSON_PROFILES = ['osdi'] as const;
/** Every export profile of `decrypt --format`. */
export const EXPORT_PROFILES = [...CSV_PROFILES, ...JSON_PROFILES] as const;

export type CsvProfile = (typeof CSV_PROFILES)[number];
export type ExportProfile = (typeof EXPORT_PROFILES)[number];

/**
 * Action Network's own field names, matched automatically when a CSV header uses them
 * ("if you name them the same name as our field names, we will match them automatically",
 * https://help.actionnetwork.org/hc/en-us/articles/203112959-File-formats-for-list-uploads;
 * the same names head Action Network's own exports: first_name, last_name, email, zip_code, ...).
 */
export const ACTION_NETWORK_FIELDS = ['email', 'first_name', 'last_name', 'country'] as const;
/** Custom columns: Action Network keeps "any custom columns you want to add" as custom fields. */
export const ACTION_NETWORK_CUSTOM = ['organisation', 'role', 'comment'] as const;
export const ACTION_NETWORK_COLUMNS = [...ACTION_NETWORK_FIELDS, ...ACTION_NETWORK_CUSTOM] as const;

/**
 * CiviCRM field titles (the labels its contact import matches a header against), from
 * civicrm-core schema/Contact/Contact.entityType.php ('First Name', 'Last Name', 'Job Title',
 * 'Contact Source', 'No Bulk Emails (User Opt Out)'), CRM_Contact_BAO_Contact::importableFields
 * ('Current Employer' for individuals), and the Email and Address entities ('Email', 'Country').
 */
export const CIVICRM_COLUMNS = ['Email', 'First Name', 'Last Name', 'Current Employer', 'Job Title', 'Country', 'Contact Source', 'No Bulk Emails (User Opt Out)'] as const;

/**
 * Mailchimp's default audience fields, by the labels an import matches ("field labels in your file
 * match the field labels in MailChimp", https://kb.mailchimp.com/lists/growth/format-list-fields;
 * Email Address is the one required column,
 * https://mailchimp.com/help/format-guidelines-for-your-import-file/; First Name and Last Name
 * are the default FNAME and LNAME fields, https://mailchimp.com/developer/marketing/docs/merge-fields/).
 */
export const MAILCHIMP_COLUMNS = ['Email Address', 'First Name', 'Last Name'] as const;

/** The header row of each CSV profile. */
export const PROFILE_COLUMNS: Readonly<Record<CsvProfile, readonly string[]>> = {
  actionnetwork: ACTION_NETWORK_COLUMNS,
  civicrm: CIVICRM_COLUMNS,
  mailchimp: MAILCHIMP_COLUMNS,
};

/** The tool each profile is for, as messages name it. */
export const PROFILE_TOOLS: Readonly<Record<ExportProfile, string>> = {
  actionnetwork: 'Action Network',
  civicrm: 'CiviCRM',
  mailchimp: 'Mailchimp',
  osdi: 'an OSDI system',
};

/** Whether a format name is a CSV export profile. */
export function isCsvProfile(format: string): format is CsvProfile {
  return (CSV_PROFILES as readonly string[]).includes(format);
}

/** Whether the signer agreed to be contacted later: the one thing that admits them to a mailing list. */
export const contactable = (record: DecryptedRecord): boolean => record.signer.consent.contactLater;

/**
 * The cells (not yet neutralised) of a record in a CSV profile, in the order of its columns, or
 * `undefined` when the signer must not be in that file.
 */
export function profileRow(profile: CsvProfile, record: DecryptedRecord): string[] | undefined {
  const s = record.signer;
  switch (profile) {
    case 'actionnetwork':
      // Action Network's policy: upload only people who explicitly opted in (its uploads subscribe).
      if (!contactable(record)) return undefined;
      return [s.email, s.name, '', s.country ?? '', s.organisation ?? '', s.role ?? '', s.comment ?? ''];
    case 'civicrm':
      // A contact record, not a mailing list: everyone who signed, opted out of bulk mail unless they agreed.
      return [s.email, s.name, '', s.organisation ?? '', s.role ?? '', s.country ?? '', `secure-sign ${record.campaign}`, contactable(record) ? '0' : '1'];
    case 'mailchimp':
      if (!contactable(record)) return undefined;
      return [s.email, s.name, ''];
  }
}
