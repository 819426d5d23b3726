// The live count and the progress towards the goal, from the collector's campaign facts.
import { html, nothing, type TemplateResult } from 'lit';
import { styleMap } from 'lit/directives/style-map.js';
import type { CampaignInfo } from '../collector.js';
import type { Translation } from '../i18n/translation.js';

export function renderCount(info: CampaignInfo | undefined, t: Translation): TemplateResult | typeof nothing {
  if (!info) return nothing;
  const text = info.goal ? t.goal(info.count, info.goal) : t.count(info.count);
  const percent = info.goal ? Math.min(100, (info.count / info.goal) * 100) : 0;
  return html`
    <div part="count" class="count">
      <div class="count-text">${text}</div>
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
            <div class="progress-bar" style=${styleMap({ width: `${percent}%` })}></div>
          </div>`
        : nothing}
    </div>
  `;
}
