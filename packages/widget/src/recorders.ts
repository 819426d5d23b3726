// Session-replay and analytics tools on partner pages (rrweb and the recorders built on it such as
// PostHog and Sentry, Hotjar, Microsoft Clarity, FullStory, LogRocket, Datadog) record the DOM and
// what people type. They are not hostile, but several record input values by default. The widget
// keeps what a signer types out of their recordings in two independent ways:
//
// 1. Its shadow root is closed (see `shadowRootOptions` in the component). Recorders reach into
//    shadow roots through `element.shadowRoot`, which is null for a closed root, and input events
//    that cross the boundary are retargeted to the <secure-sign> element, which has no value.
// 2. The form and every control carry the markers each tool documents for "do not record this".
//    They matter where the closed root does not help: a recorder that patches `attachShadow` to keep
//    closed roots (rrweb has such a change proposed), or rrweb's hook on the `value` setter, which
//    sees the input itself whenever a script sets a value.
//
// Only markers documented by each tool are used. They change nothing for signers: no styles match
// them, and assistive technology ignores classes and data attributes.

/**
 * Classes that block recording of an element and everything inside it (or, for `*-ignore`, its
 * input events), as one class attribute value. `rr-*`: rrweb's defaults (`blockClass`,
 * `ignoreClass`, `maskTextClass`); `ph-no-capture`, `ph-ignore-input`: PostHog's (its `blockClass`
 * and `ignoreClass`, also honoured by autocapture); `fs-exclude`: FullStory; `sentry-*`: Sentry
 * Session Replay. One string rather than a list: it ships in the first load.
 */
export const RECORDER_CLASS = 'rr-block rr-ignore rr-mask ph-no-capture ph-ignore-input fs-exclude sentry-block sentry-ignore sentry-mask';

/**
 * Attributes (name → value) with the same meaning: Hotjar (`data-hj-suppress`), Microsoft Clarity
 * (`data-clarity-mask`), LogRocket (`data-private`), Datadog Session Replay (`data-dd-privacy`).
 * The component's templates write them literally (lit cannot bind attribute names); the browser
 * test `replay.test.ts` checks that the form and every control carry all of them.
 */
export const RECORDER_ATTRIBUTES = {
  'data-hj-suppress': '',
  'data-clarity-mask': 'True',
  'data-private': '',
  'data-dd-privacy': 'hidden',
} as const;
