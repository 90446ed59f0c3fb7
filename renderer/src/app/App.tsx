import { QueryClientProvider } from '@tanstack/react-query';
import { useBridgeStatus } from '../bridge/status';
import { useT } from '../i18n';
import { Toasts } from '../components/toasts';
import { CommandPalette } from './CommandPalette';
import { ConnectionSwitcher } from './ConnectionSwitcher';
import { useLiveUpdates } from './live-updates';
import { queryClient } from './query-client';
import { useRoute, type Route } from './router';
import { Sidebar } from './Sidebar';
import { ContainersPage } from '../features/containers/ContainersPage';
import { ImagesPage } from '../features/images/ImagesPage';
import { VolumesPage } from '../features/volumes/VolumesPage';
import { DiskPage } from '../features/disk/DiskPage';
import { SettingsPage } from '../features/settings/SettingsPage';
import { TroubleshootPage } from '../features/settings/TroubleshootPage';
import { useAppSettings } from '../features/settings/useAppSettings';

function PageFor({ route }: { route: Route }) {
  switch (route.page) {
    case 'containers':
      return <ContainersPage params={route.params} />;
    case 'images':
      return <ImagesPage params={route.params} />;
    case 'volumes':
      return <VolumesPage params={route.params} />;
    case 'disk':
      return <DiskPage params={route.params} />;
    case 'settings':
      return <SettingsPage params={route.params} />;
    case 'troubleshoot':
      return <TroubleshootPage />;
  }
}

function BridgeBanner() {
  const t = useT();
  const { status, reason } = useBridgeStatus();
  if (status === 'open') return null;
  return (
    <div className="banner banner-warning" role="alert">
      {status === 'connecting' ? t('engine.connecting') : t('engine.serverDown', { reason: reason ?? '' })}
    </div>
  );
}

function Shell() {
  const route = useRoute();
  useLiveUpdates();
  useAppSettings();
  return (
    <div className="shell">
      <Sidebar current={route.page} />
      <div className="main">
        <header className="topbar">
          <ConnectionSwitcher />
        </header>
        <BridgeBanner />
        <main className="content" id="content">
          <PageFor route={route} />
        </main>
      </div>
      <CommandPalette />
      <Toasts />
    </div>
  );
}

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <Shell />
    </QueryClientProvider>
  );
}
