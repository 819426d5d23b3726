// Prometheus metrics, one registry per app (no global default registry: two apps in one process,
// as in tests, must not share counters).
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The collector's metrics. */
export interface Metrics {
  readonly registry: Registry;
  readonly accepted: Counter<'campaign'>;
  readonly withdrawn: Counter<'campaign'>;
  readonly decided: Counter<'campaign' | 'decision'>;
  readonly rejected: Counter<'code'>;
  readonly campaignCeiling: Counter<'campaign'>;
  readonly retentionDeleted: Counter<'campaign'>;
  readonly latency: Histogram<'method' | 'route' | 'status'>;
}

/** Creates a fresh registry with the collector's metrics. */
export function createMetrics(options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    accepted: new Counter({
      name: 'secure_sign_submissions_accepted_total',
      help: 'Submissions stored (201), by campaign.',
      labelNames: ['campaign'],
      registers: [registry],
    }),
    withdrawn: new Counter({
      name: 'secure_sign_withdrawals_total',
      help: 'Signatures withdrawn by their signers (not repeats), by campaign.',
      labelNames: ['campaign'],
      registers: [registry],
    }),
    decided: new Counter({
      name: 'secure_sign_confirmations_total',
      help: 'Decisions of e-mail owners (not repeats), by campaign and decision (confirm or disown).',
      labelNames: ['campaign', 'decision'],
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'secure_sign_requests_rejected_total',
      help: 'Requests answered with a problem, by problem code.',
      labelNames: ['code'],
      registers: [registry],
    }),
    campaignCeiling: new Counter({
      name: 'secure_sign_campaign_ceiling_hits_total',
      help: 'Submissions refused because their campaign reached its per-window ceiling, by campaign.',
      labelNames: ['campaign'],
      registers: [registry],
    }),
    retentionDeleted: new Counter({
      name: 'secure_sign_retention_deleted_total',
      help: 'Ciphertexts deleted by the retention job of this process at the end of a closed campaign, by campaign.',
      labelNames: ['campaign'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'secure_sign_http_request_duration_seconds',
      help: 'Request latency by route pattern.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}
