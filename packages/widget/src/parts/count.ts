// The live count and the progress towards the goal, from the collector's campaign facts.
// The bar's width is not a style attribute (a strict CSP without style-src 'unsafe-inline' drops
// those, and the bar showed full): the component sets it through CSSOM, see barWidth.
import { html, nothing, type TemplateResult } from 'lit';
import type { CampaignInfo } from '../collector.js';
import type { Translation } from '../i18n/translation.js';

/** `verified`: the note under a count read from a verified checkpoint (`log-key`). */
export function renderCount(info: CampaignInfo | undefined, t: Translation, verified?: string): TemplateResult | typeof nothing {
  if (!info) return nothing;
  const text = info.goal ? t.goal(info.count, info.goal) : t.count(info.count);
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
            aria-valuenow=${Math.min(info.count, info.goal)}
          >
            <div class="progress-bar"></div>
          </div>`
        : nothing}
    </div>
  `;
}

/** The bar's width for the campaign facts: the share of the goal reached, at most 100%. */
export const barWidth = (info: CampaignInfo): string => `${Math.min(100, (info.count / info.goal!) * 100)}%`;
