import './volumes.css';
import { VolumeDetails } from './VolumeDetails';
import { VolumeList } from './VolumeList';
import { VolumeDialogs } from './VolumeDialogs';
import { TransferPanel } from './TransferPanel';

/** #/volumes (the list) and #/volumes/<name>[/files/<path…>] (one volume and its files). */
export function VolumesPage({ params }: { params: string[] }) {
  const [name, section, ...rest] = params;
  return (
    <>
      {name ? (
        <VolumeDetails name={name} path={section === 'files' ? `/${rest.join('/')}` : '/'} />
      ) : (
        <VolumeList />
      )}
      <VolumeDialogs />
      <TransferPanel />
    </>
  );
}
