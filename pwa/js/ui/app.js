// The signed-in app: the screen the address names and the bottom navigation below it
// (docs/pwa.md, "Screens"). <Root/> import()s this module once somebody is signed in.

import { html } from 'htm/preact';

import { t } from '../i18n.js';
import { ADMIN_TABS, isAdminRole, may, useAdminAlerts, useWide } from './admin/common.js';
import { ConflictDetail, ConflictList } from './conflicts.js';
import { AppContext } from './context.js';
import { CustomerDetail, CustomerEdit } from './customer.js';
import { CustomerList } from './customers.js';
import { Home } from './home.js';
import { useOpenConflicts, useOutcomes } from './hooks.js';
import { SyncBar } from './sync-bar.js';
import { OrderDetail } from './order.js';
import { OrderNew } from './order-new.js';
import { OrderList } from './orders.js';
import { ProductList } from './products.js';
import { RefusedDetail, RefusedList } from './refused.js';
import { lazy, stylesheet } from './lazy.js';
import { Link, match, useLocation } from './router.js';
import { Scan } from './scan.js';
import { ScannerTest } from './scanner-test.js';
import { Settings } from './settings.js';
import { Stocktake } from './stocktake.js';

// The console's pages: import()ed when first shown, never by a phone (docs/pwa.md § First load).
const AdminAfterSales = lazy(() => import('./admin/aftersales.js'), 'AdminAfterSales');
const AdminAudit = lazy(() => import('./admin/audit.js'), 'AdminAudit');
const AdminConflicts = lazy(() => import('./admin/conflicts.js'), 'AdminConflicts');
const AdminCustomers = lazy(() => import('./admin/customers.js'), 'AdminCustomers');
const AdminDevices = lazy(() => import('./admin/devices.js'), 'AdminDevices');
const AdminInventory = lazy(() => import('./admin/inventory.js'), 'AdminInventory');
const AdminImport = lazy(() => import('./admin/io.js'), 'AdminImport');
const AdminMutations = lazy(() => import('./admin/mutations.js'), 'AdminMutations');
const AdminOrders = lazy(() => import('./admin/orders.js'), 'AdminOrders');
const AdminReports = lazy(() => {
  stylesheet('/vendor/uplot/dist/uPlot.min.css'); // the charts' (uPlot), with the page
  return import('./admin/reports.js');
}, 'AdminReports');
const AdminReview = lazy(() => import('./admin/review.js'), 'AdminReview');
const AdminTokens = lazy(() => import('./admin/tokens.js'), 'AdminTokens');
const AdminUsers = lazy(() => import('./admin/users.js'), 'AdminUsers');

const ROUTES = [
  { path: '/', screen: Home, tab: 'home' },
  { path: '/customers', screen: CustomerList, tab: 'customers' },
  { path: '/customers/new', screen: CustomerEdit, tab: 'customers' },
  { path: '/customers/:id/edit', screen: CustomerEdit, tab: 'customers' },
  { path: '/customers/:id', screen: CustomerDetail, tab: 'customers' },
  { path: '/products', screen: ProductList, tab: 'products' },
  { path: '/orders', screen: OrderList, tab: 'orders' },
  { path: '/orders/new', screen: OrderNew, tab: 'orders' },
  { path: '/orders/:id', screen: OrderDetail, tab: 'orders' },
  { path: '/conflicts', screen: ConflictList, tab: 'conflicts' },
  { path: '/conflicts/:id', screen: ConflictDetail, tab: 'conflicts' },
  { path: '/refused', screen: RefusedList, tab: 'home' },
  { path: '/refused/:id', screen: RefusedDetail, tab: 'home' },
  { path: '/settings', screen: Settings, tab: 'settings' }, // no tab of the bar: none lit
  { path: '/scan', screen: Scan, tab: 'home' },
  { path: '/scanner-test', screen: ScannerTest, tab: 'home' },
  { path: '/stocktake', screen: Stocktake, tab: 'home' },
  { path: '/admin', screen: AdminUsers, tab: 'admin-users' },
  { path: '/admin/users', screen: AdminUsers, tab: 'admin-users' },
  { path: '/admin/devices', screen: AdminDevices, tab: 'admin-devices' },
  { path: '/admin/tokens', screen: AdminTokens, tab: 'admin-tokens' },
  { path: '/admin/mutations', screen: AdminMutations, tab: 'admin-mutations' },
  { path: '/admin/orders', screen: AdminOrders, tab: 'admin-orders' },
  { path: '/admin/orders/:id', screen: AdminOrders, tab: 'admin-orders' },
  { path: '/admin/customers', screen: AdminCustomers, tab: 'admin-customers' },
  { path: '/admin/customers/:id', screen: AdminCustomers, tab: 'admin-customers' },
  { path: '/admin/review', screen: AdminReview, tab: 'admin-review' },
  { path: '/admin/conflicts', screen: AdminConflicts, tab: 'admin-conflicts' },
  { path: '/admin/conflicts/:id', screen: AdminConflicts, tab: 'admin-conflicts' },
  { path: '/admin/inventory', screen: AdminInventory, tab: 'admin-inventory' },
  { path: '/admin/after-sales', screen: AdminAfterSales, tab: 'admin-aftersales' },
  { path: '/admin/import', screen: AdminImport, tab: 'admin-import' },
  { path: '/admin/reports', screen: AdminReports, tab: 'admin-reports' },
  { path: '/admin/audit', screen: AdminAudit, tab: 'admin-audit' },
];

const TABS = [
  ['home', '/', '⌂'],
  ['orders', '/orders', '☰'],
  ['customers', '/customers', '☺'],
  ['products', '/products', '▦'],
  ['conflicts', '/conflicts', '⚠'],
];

/** The conflicts tab's count: conflicts to settle, and news about one's changes not seen yet. */
function useConflictCount() {
  return (useOpenConflicts()?.length ?? 0) + (useOutcomes()?.unseen ?? 0);
}

function BottomNav({ tab }) {
  const open = useConflictCount();
  return html`
    <nav class="tabs" aria-label=${t('nav.label')}>
      ${TABS.map(([name, href, icon]) => html`
        <${Link} href=${href} data-testid=${`nav-${name}`} class=${name === tab ? 'tab active' : 'tab'}
          aria-current=${name === tab ? 'page' : undefined}>
          <span class="tab-icon" aria-hidden="true">${icon}</span>
          <span class="tab-label">${t(`nav.${name}`)}</span>
          ${name === 'conflicts' && open > 0 &&
            html`<span class="tab-badge" data-testid="conflicts-badge">${open}</span>`}
        <//>`)}
    </nav>`;
}

// The phone's tabs that name the device's own slice, said so next to the console's "All …" pages.
const MINE = new Set(['orders', 'customers', 'conflicts']);

/** The left navigation of admins and managers on a wide window: the phone's tabs (what this
 * device holds: "My orders"), then the admin pages the role may see ("All orders"), then settings. */
function SideNav({ tab, role, path }) {
  const open = useConflictCount();
  const alerts = useAdminAlerts(role, path);
  const item = ([name, href, icon]) => html`
    <${Link} href=${href} data-testid=${`nav-${name}`} class=${name === tab ? 'side-item active' : 'side-item'}
      aria-current=${name === tab ? 'page' : undefined}>
      <span class="tab-icon" aria-hidden="true">${icon}</span>
      <span class="side-label">${t(MINE.has(name) ? `nav.mine.${name}` : `nav.${name}`)}</span>
      ${name === 'conflicts' && open > 0 &&
        html`<span class="side-badge" data-testid="conflicts-badge">${open}</span>`}
      ${alerts[name] > 0 && html`<span class="side-badge" data-testid=${`${name}-badge`}
        title=${t(`nav.alert.${name}`, { count: alerts[name] })}>${alerts[name]}</span>`}
    <//>`;
  return html`
    <nav class="side-nav" aria-label=${t('nav.label')} data-testid="side-nav">
      <div class="brand">${t('app.name')}</div>
      <div class="side-heading">${t('nav.mine')}</div>
      ${TABS.map(item)}
      <div class="side-heading">${t('nav.admin')}</div>
      ${ADMIN_TABS.filter(([, , , permission]) => may(role, permission)).map(item)}
      ${item(['settings', '/settings', '⚙'])}
    </nav>`;
}

/** The first Tab stop of both layouts: past the navigation to the screen (WCAG 2.4.1). */
function SkipLink() {
  const skip = (e) => {
    e.preventDefault(); // no #main in the address: the router would read it as a navigation
    document.getElementById('main')?.focus();
  };
  return html`<a href="#main" class="skip-link" data-testid="skip-link" onClick=${skip}>${t('nav.skip')}</a>`;
}

function NotFound() {
  return html`<section class="screen"><div class="body"><p class="empty">${t('common.notFound')}</p>
    <${Link} href="/">${t('nav.home')}<//></div></section>`;
}

/** The app of a signed-in session: `session` = {me, store, sync, actions, logout, shell}. */
export function App({ session }) {
  const { path, query } = useLocation();
  const found = match(ROUTES, path);
  const Screen = found?.route.screen ?? NotFound;
  const wide = useWide();
  const role = session.me.user.role;
  if (wide && isAdminRole(role)) {
    const tab = found?.route.tab;
    return html`
      <${AppContext.Provider} value=${session}>
        <div class="app desktop" data-testid="desktop-layout">
          <${SkipLink} />
          <${SideNav} tab=${tab} role=${role} path=${path} />
          <main id="main" tabindex="-1">
            <${SyncBar} path=${path} />
            <${Screen} key=${path} params=${found?.params ?? {}} query=${query} />
          </main>
        </div>
      <//>`;
  }
  return html`
    <${AppContext.Provider} value=${session}>
      <div class="app">
        <${SkipLink} />
        <main id="main" tabindex="-1">
          <${SyncBar} path=${path} />
          <${Screen} key=${path} params=${found?.params ?? {}} query=${query} />
        </main>
        <${BottomNav} tab=${found?.route.tab} />
      </div>
    <//>`;
}
