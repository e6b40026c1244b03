import { createRootRoute, createRoute, createRouter, lazyRouteComponent } from '@tanstack/react-router';
import { AppShell } from './app-shell';
import { HomePage } from './home-page';
import { SignInPage } from './auth/sign-in-page';
import { NotFoundPage, RouteError } from './components/route-states';
import { parseRunsSearch } from './runs/runs-search';
import { parseDatasetsSearch } from './datasets/datasets-search';

// Pages load on demand: the first page needs only the shell and its own code.
const rootRoute = createRootRoute({ component: AppShell });

const homeRoute = createRoute({ getParentRoute: () => rootRoute, path: '/', component: HomePage });
const signInRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/sign-in',
  validateSearch: (s: Record<string, unknown>): { next?: string } => (typeof s.next === 'string' ? { next: s.next } : {}),
  component: SignInPage,
});
const runsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/runs',
  validateSearch: parseRunsSearch,
  component: lazyRouteComponent(() => import('./runs/runs-page'), 'RunsPage'),
});
const launchRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/runs/launch',
  validateSearch: (s: Record<string, unknown>): { pipeline?: string } => (typeof s.pipeline === 'string' ? { pipeline: s.pipeline } : {}),
  component: lazyRouteComponent(() => import('./runs/launch-page'), 'LaunchPage'),
});
const runRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/runs/$runId',
  validateSearch: (s: Record<string, unknown>): { step?: string; launched?: boolean } => ({
    ...(typeof s.step === 'string' ? { step: s.step } : {}),
    ...(s.launched === true || s.launched === 'true' ? { launched: true } : {}),
  }),
  component: lazyRouteComponent(() => import('./runs/run-page'), 'RunPage'),
});
const datanetsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/datanets',
  component: lazyRouteComponent(() => import('./datanets/datanets-page'), 'DatanetsPage'),
});
const datanetRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/datanets/$datanetId',
  component: lazyRouteComponent(() => import('./datanets/datanet-page'), 'DatanetPage'),
});
const settlementsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/datanets/$datanetId/settlements',
  validateSearch: (s: Record<string, unknown>): { epoch?: string } => (typeof s.epoch === 'string' && s.epoch ? { epoch: s.epoch } : {}),
  component: lazyRouteComponent(() => import('./datanets/settlements-page'), 'SettlementsPage'),
});
const reviewRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/review',
  validateSearch: (s: Record<string, unknown>): { datanet?: string } => (typeof s.datanet === 'string' ? { datanet: s.datanet } : {}),
  component: lazyRouteComponent(() => import('./review/review-page'), 'ReviewPage'),
});
const portalRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/portal',
  validateSearch: (s: Record<string, unknown>): { datanet?: string } => (typeof s.datanet === 'string' ? { datanet: s.datanet } : {}),
  component: lazyRouteComponent(() => import('./portal/portal-page'), 'PortalPage'),
});
const datasetsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/datasets',
  validateSearch: parseDatasetsSearch,
  component: lazyRouteComponent(() => import('./datasets/datasets-page'), 'DatasetsPage'),
});
const modelsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/models',
  validateSearch: (s: Record<string, unknown>): { model?: string } => (typeof s.model === 'string' && s.model ? { model: s.model } : {}),
  component: lazyRouteComponent(() => import('./models/models-page'), 'ModelsPage'),
});
const playgroundRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/playground',
  validateSearch: (s: Record<string, unknown>): { model?: string } => (typeof s.model === 'string' && s.model ? { model: s.model } : {}),
  component: lazyRouteComponent(() => import('./playground/playground-page'), 'PlaygroundPage'),
});

const routeTree = rootRoute.addChildren([
  homeRoute,
  signInRoute,
  runsRoute,
  launchRoute,
  runRoute,
  datanetsRoute,
  datanetRoute,
  settlementsRoute,
  reviewRoute,
  portalRoute,
  datasetsRoute,
  modelsRoute,
  playgroundRoute,
]);

export const router = createRouter({
  routeTree,
  defaultPreload: 'intent',
  defaultErrorComponent: RouteError,
  defaultNotFoundComponent: NotFoundPage,
});

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
