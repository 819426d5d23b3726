// The live count and the progress towards the goal, from the collector's campaign facts. When the
// campaign asks for it (`countShown: "confirmed"`, issue 16: `confirmed` is then present), the number is the confirmed count,
// worded as confirmed signatures.
// The bar's width is not a style attribute (a strict CSP without style-src 'unsafe-inline' drops
// those, and the bar showed full): the component sets it through CSSOM, see barWidth.
import { html, nothing, type TemplateResult } from 'lit';
import type { CampaignInfo } from '../collector.js';
import type { Translation } from '../i18n/translation.js';

/**
 * `verified`: the note under a count read from a verified checkpoint (`log-key`); `info.count` is
 * then that checkpoint's number, the confirmed one when the campaign shows confirmed signatures.
 */
export function renderCount(info: CampaignInfo | undefined, t: Translation, verified?: string): TemplateResult | typeof nothing {
  if (!info) return nothing;
  // `confirmed` is there only when the campaign shows confirmed signatures.
  const confirmed = info.confirmed !== undefined;
  const count = verified || !confirmed ? info.count : info.confirmed!;
  const text = confirmed ? t.confirmed(count, info.goal) : info.goal ? t.goal(count, info.goal) : t.count(count);
  return html`
    <div part="count" class="count">
      <div class="count-text">${text}</div>
      ${verified ? html`<div class="note count-verified">${verified}</div>` : nothing}
      ${info.goal
        ? html`<div
            part="progress"
            class="progress"
            role="progressbar"
            aria-label=${text}
            aria-valuemin="0"
            aria-valuemax=${info.goal}
            aria-valuenow=${Math.min(count, info.goal)}
          >
            <div class="progress-bar"></div>
          </div>`
        : nothing}
    </div>
  `;
}

/** The bar's width for the campaign facts: the share of the goal reached, at most 100%. */
export const barWidth = (info: CampaignInfo): string => `${Math.min(100, ((info.confirmed ?? info.count) / info.goal!) * 100)}%`;
