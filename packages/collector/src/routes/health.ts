// Service endpoints: liveness for load balancers and Prometheus metrics.
import { Hono } from 'hono';
import { publicCors, sendProblem, type Env, type RouteDeps } from './context.js';

/** `GET /healthz` and `GET /metrics`. */
export function healthRoutes(deps: RouteDeps): Hono<Env> {
  const app = new Hono<Env>();

  app.get('/healthz', async (c) => {
    publicCors(c);
    try {
      await deps.store.ping();
    } catch {
      return sendProblem(deps, c, 'unavailable', 'The database does not answer.');
    }
    return c.json({ status: 'ok' });
  });

  app.get('/metrics', async (c) => {
    return c.body(await deps.metrics.registry.metrics(), 200, { 'Content-Type': deps.metrics.registry.contentType });
  });

  return app;
}
