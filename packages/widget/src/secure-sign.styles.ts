import { css } from 'lit';

// The two palettes. theme="light"/"dark" choose one; "auto" (the default) follows the page's own
// color-scheme when it names one (the component then puts the class light or dark on .base), and
// the operating system's preference otherwise.
const light = css`
  --_accent: var(--secure-sign-accent, #1d4ed8);
  --_on-accent: var(--secure-sign-on-accent, #ffffff);
  --_bg: var(--secure-sign-background, #ffffff);
  --_surface: var(--secure-sign-surface, #f6f7f9);
  --_text: var(--secure-sign-text, #1f2328);
  --_muted: var(--secure-sign-muted, #57606a);
  --_border: var(--secure-sign-border, #8c959f);
  --_error: var(--secure-sign-error, #b3261e);
  --_success: var(--secure-sign-success, #1a7f37);
  --_focus: var(--secure-sign-focus, #1d4ed8);
  color-scheme: light;
`;
const dark = css`
  --_accent: var(--secure-sign-accent, #8cb4ff);
  --_on-accent: var(--secure-sign-on-accent, #0b1526);
  --_bg: var(--secure-sign-background, #161b22);
  --_surface: var(--secure-sign-surface, #1f262f);
  --_text: var(--secure-sign-text, #e6edf3);
  --_muted: var(--secure-sign-muted, #a5b0bc);
  --_border: var(--secure-sign-border, #6e7781);
  --_error: var(--secure-sign-error, #ff9c94);
  --_success: var(--secure-sign-success, #6fdd8b);
  --_focus: var(--secure-sign-focus, #8cb4ff);
  color-scheme: dark;
`;

// Calm and neutral so it sits on any page: the host's font, a soft card, one accent colour.
// Default colours meet WCAG 2.2 AA (4.5:1 for text, 3:1 for borders and focus) in both themes.
export const styles = css`
  :host,
  .light {
    ${light}
  }
  :host {
    --_radius: var(--secure-sign-radius, 12px);
    display: block;
    max-width: var(--secure-sign-max-width, 36rem);
    font-family: var(--secure-sign-font, inherit);
    font-size: var(--secure-sign-font-size, 1rem);
    line-height: 1.5;
    color: var(--_text);
  }
  :host([hidden]) {
    display: none;
  }
  @media (prefers-color-scheme: dark) {
    :host(:not([theme='light'])) {
      ${dark}
    }
  }
  :host([theme='dark']) {
    ${dark}
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  .dark {
    ${dark}
  }
  .base {
    color: var(--_text);
    background: var(--_bg);
    border: 1px solid color-mix(in srgb, var(--_border) 45%, transparent);
    border-radius: var(--_radius);
    padding: 1.5rem;
    box-shadow: 0 1px 2px rgb(0 0 0 / 0.04), 0 8px 24px rgb(0 0 0 / 0.06);
  }
  h3 {
    margin: 0 0 0.5rem;
    line-height: 1.25;
    font-size: 1.05em;
  }
  h3:focus {
    outline: none;
  }
  p {
    margin: 0 0 0.75rem;
  }
  .count {
    margin-bottom: 1.25rem;
  }
  .count-text {
    font-weight: 600;
    margin-bottom: 0.375rem;
  }
  .progress {
    height: 0.5rem;
    border-radius: 999px;
    background: var(--_surface);
    border: 1px solid color-mix(in srgb, var(--_border) 60%, transparent);
    overflow: hidden;
  }
  .progress-bar {
    height: 100%;
    background: var(--_accent);
    border-radius: inherit;
    transition: width 600ms ease;
  }
  form {
    display: grid;
    gap: 1rem;
  }
  fieldset {
    border: 0;
    margin: 0;
    padding: 0;
    min-width: 0;
  }
  legend,
  label.field-label {
    display: block;
    font-weight: 600;
    margin-bottom: 0.25rem;
    padding: 0;
  }
  .optional {
    font-weight: 400;
    color: var(--_muted);
  }
  .segmented {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
  }
  .segmented label {
    display: inline-flex;
    align-items: center;
    gap: 0.5rem;
    padding: 0.5rem 0.875rem;
    border: 1px solid var(--_border);
    border-radius: 999px;
    cursor: pointer;
    background: var(--_bg);
  }
  .segmented label:has(input:checked) {
    border-color: var(--_accent);
    background: color-mix(in srgb, var(--_accent) 12%, var(--_bg));
  }
  input[type='text'],
  input[type='email'],
  select,
  textarea {
    display: block;
    width: 100%;
    font: inherit;
    color: var(--_text);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 2);
    padding: 0.625rem 0.75rem;
    min-height: 2.75rem;
  }
  textarea {
    min-height: 6rem;
    resize: vertical;
  }
  input[type='radio'],
  input[type='checkbox'] {
    width: 1.125rem;
    height: 1.125rem;
    margin: 0;
    accent-color: var(--_accent);
    flex: none;
  }
  :focus-visible {
    outline: 3px solid var(--_focus);
    outline-offset: 2px;
  }
  .hint {
    font-size: 0.875em;
    color: var(--_muted);
    margin-top: 0.25rem;
  }
  .consent {
    display: flex;
    gap: 0.625rem;
    align-items: flex-start;
  }
  .consent input {
    margin-top: 0.2rem;
  }
  a {
    color: var(--_accent);
    text-underline-offset: 0.15em;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.75rem;
    align-items: center;
  }
  button {
    font: inherit;
    font-weight: 600;
    border-radius: 999px;
    padding: 0.625rem 1.5rem;
    min-height: 2.75rem;
    cursor: pointer;
    border: 1px solid var(--_accent);
    background: var(--_accent);
    color: var(--_on-accent);
  }
  button.secondary {
    background: transparent;
    color: var(--_accent);
  }
  button[disabled] {
    cursor: progress;
    opacity: 0.75;
  }
  .note {
    display: flex;
    gap: 0.5rem;
    align-items: flex-start;
    font-size: 0.875em;
    color: var(--_muted);
  }
  .note svg {
    flex: none;
    margin-top: 0.15rem;
  }
  .status {
    border-radius: calc(var(--_radius) / 1.5);
    padding: 1rem;
    background: var(--_surface);
    border-inline-start: 4px solid var(--_accent);
  }
  .status.spaced {
    margin-bottom: 1rem;
  }
  .status.problem {
    border-inline-start-color: var(--_error);
  }
  .verify {
    margin-top: 1rem;
    font-size: 0.875em;
  }
  .verify summary {
    width: fit-content;
    cursor: pointer;
    color: var(--_accent);
  }
  .wall {
    margin-top: 1.5rem;
    padding-top: 1.25rem;
    border-top: 1px solid color-mix(in srgb, var(--_border) 45%, transparent);
  }
  .spinner {
    display: inline-block;
    width: 1em;
    height: 1em;
    border: 2px solid currentColor;
    border-inline-end-color: transparent;
    border-radius: 50%;
    vertical-align: -0.15em;
    margin-inline-end: 0.5rem;
    animation: spin 0.8s linear infinite;
  }
  @keyframes spin {
    to {
      transform: rotate(360deg);
    }
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
    border: 0;
  }
  @media (prefers-reduced-motion: reduce) {
    .spinner {
      animation: none;
      border-inline-end-color: currentColor;
      opacity: 0.6;
    }
    .progress-bar {
      transition: none;
    }
  }
`;
