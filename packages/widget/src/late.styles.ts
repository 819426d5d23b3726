// Styles of what renders only after the lazy chunk has arrived (the success screen, the receipt
// and the key fingerprint, the wall's entries, the fields' errors, which only its validation
// finds), which brings them: the component adopts them then
// (constructable style sheets, which a strict CSP allows). Kept out of the first load.
import { css } from 'lit';

export const lateStyles = css`
  [aria-invalid='true'] {
    border-color: var(--_error);
    box-shadow: inset 0 0 0 1px var(--_error);
  }
  .error {
    font-size: 0.875em;
    color: var(--_error);
    margin-top: 0.25rem;
    font-weight: 600;
  }
  .status.success {
    border-inline-start-color: var(--_success);
  }
  code {
    font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    font-size: 0.875em;
    overflow-wrap: anywhere;
  }
  .verify dd {
    margin: 0 0 0.5rem;
  }
  .wall ul {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    gap: 0.75rem;
  }
  .wall li {
    background: var(--_surface);
    border-radius: calc(var(--_radius) / 1.5);
    padding: 0.75rem 1rem;
  }
  .wall .who {
    font-weight: 600;
  }
  .wall .meta {
    color: var(--_muted);
    font-size: 0.875em;
  }
  .wall blockquote {
    margin: 0.375rem 0 0;
    white-space: pre-line;
    overflow-wrap: anywhere;
  }
`;
